;; Base64 decoding of whole lines with WebAssembly SIMD (mailjournal's content key).
;;
;; Node has no bytes-to-bytes base64 decoder: its own needs the text as a Latin-1 string first,
;; which costs as much as the decoding. This module decodes from bytes to bytes, 16 characters
;; per step: each byte is checked against the alphabet with two nibble tables, turned into its
;; 6-bit value by an offset chosen by its high nibble ('/' set apart), and the values are packed
;; four into three bytes. Only the regular shape is taken: lines of a multiple of four alphabet
;; characters, each ended by LF or CRLF. The caller decodes whatever follows (padding, other
;; bytes, odd lines, a last line without its line end) with its general decoder, from the clean
;; state such lines leave, so the result is the same bytes.
;;
;; Generated into src/mime/base64-simd-binary.ts by `UPDATE_WASM=1 npx vitest run
;; test/base64-simd.test.ts`; that test fails when the two differ.
(module
  ;; [0, 256): the alphabet table (byte -> 6-bit value, 0xff outside the alphabet), for short
  ;; lines. The caller places input and output above it.
  (memory (export "memory") 4)
  (global $produced (export "produced") (mut i32) (i32.const 0))
  (data (i32.const 0) "\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\3e\ff\ff\ff\3f\34\35\36\37\38\39\3a\3b\3c\3d\ff\ff\ff\ff\ff\ff\ff\00\01\02\03\04\05\06\07\08\09\0a\0b\0c\0d\0e\0f\10\11\12\13\14\15\16\17\18\19\ff\ff\ff\ff\ff\ff\1a\1b\1c\1d\1e\1f\20\21\22\23\24\25\26\27\28\29\2a\2b\2c\2d\2e\2f\30\31\32\33\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff")

  ;; Decode the whole lines at the start of [$in, $in + $len) to $out. Returns the number of
  ;; bytes consumed (a whole number of lines); the global "produced" is the number of bytes
  ;; written. Up to 4 bytes past them may be overwritten.
  (func (export "lines") (param $in i32) (param $len i32) (param $out i32) (result i32)
    (local $pos i32) (local $end i32) (local $o i32) (local $line i32) (local $oline i32)
    (local $p i32) (local $q i32) (local $k i32)
    (local $a i32) (local $b i32) (local $c i32) (local $d i32)
    ;; The last line's length, its length with the line end, L - 16, its decoded length; an offset in it.
    (local $L i32) (local $Lfull i32) (local $Lm16 i32) (local $Lout i32) (local $bo i32)
    (local $v v128) (local $hi v128) (local $bad v128) (local $acc v128) (local $t v128) (local $zero v128)
    (local $lutlo v128) (local $luthi v128) (local $lutroll v128)
    (local $c0f v128) (local $c2f v128) (local $c3f v128) (local $cdot v128)
    ;; A byte is outside the alphabet when its low-nibble and high-nibble classes share a bit.
    (local.set $lutlo (v128.const i8x16 0x15 0x11 0x11 0x11 0x11 0x11 0x11 0x11 0x11 0x11 0x13 0x1a 0x1b 0x1b 0x1b 0x1a))
    (local.set $luthi (v128.const i8x16 0x10 0x10 0x01 0x02 0x04 0x08 0x04 0x08 0x10 0x10 0x10 0x10 0x10 0x10 0x10 0x10))
    ;; Offset from character to value by high nibble; index 1 (high nibble 2, minus one) is '/'.
    (local.set $lutroll (v128.const i8x16 0 16 19 4 -65 -65 -71 -71 0 0 0 0 0 0 0 0))
    (local.set $c0f (v128.const i8x16 0x0f 0x0f 0x0f 0x0f 0x0f 0x0f 0x0f 0x0f 0x0f 0x0f 0x0f 0x0f 0x0f 0x0f 0x0f 0x0f))
    (local.set $c2f (v128.const i8x16 0x2f 0x2f 0x2f 0x2f 0x2f 0x2f 0x2f 0x2f 0x2f 0x2f 0x2f 0x2f 0x2f 0x2f 0x2f 0x2f))
    (local.set $c3f (v128.const i16x8 0x3f 0x3f 0x3f 0x3f 0x3f 0x3f 0x3f 0x3f))
    ;; Two 12-bit values to 24 bits: first * 4096 + second.
    (local.set $cdot (v128.const i16x8 0x1000 1 0x1000 1 0x1000 1 0x1000 1))
    (local.set $pos (local.get $in))
    (local.set $end (i32.add (local.get $in) (local.get $len)))
    (local.set $o (local.get $out))
    (block $stop
      (loop $lines
        (local.set $line (local.get $pos))
        (local.set $oline (local.get $o))
        ;; Fast: a line as long as the last one with its line end where that one's was, decoded in
        ;; steps of 16 (the last step overlapping the one before), checked once at its end. The
        ;; output is committed only then; otherwise the general reading below takes the line.
        (if (i32.and (i32.ne (local.get $L) (i32.const 0))
                     (i32.le_u (i32.add (local.get $pos) (local.get $Lfull)) (local.get $end)))
          (then
            (local.set $acc (local.get $zero))
            (local.set $bo (i32.const 0))
            (loop $steps
              (local.set $v (v128.load (i32.add (local.get $pos) (local.get $bo))))
              (local.set $hi (v128.and (i16x8.shr_u (local.get $v) (i32.const 4)) (local.get $c0f)))
              (local.set $bad (v128.and
                (i8x16.swizzle (local.get $lutlo) (v128.and (local.get $v) (local.get $c0f)))
                (i8x16.swizzle (local.get $luthi) (local.get $hi))))
              (local.set $acc (v128.or (local.get $acc) (local.get $bad)))
              (local.set $t (i8x16.add (local.get $v)
                (i8x16.swizzle (local.get $lutroll) (i8x16.add (local.get $hi) (i8x16.eq (local.get $v) (local.get $c2f))))))
              (local.set $t (v128.or
                (i16x8.shl (v128.and (local.get $t) (local.get $c3f)) (i32.const 6))
                (i16x8.shr_u (local.get $t) (i32.const 8))))
              (local.set $t (i32x4.dot_i16x8_s (local.get $t) (local.get $cdot)))
              (v128.store (i32.add (local.get $o) (i32.mul (i32.shr_u (local.get $bo) (i32.const 2)) (i32.const 3)))
                (i8x16.shuffle 2 1 0 6 5 4 10 9 8 14 13 12 3 7 11 15 (local.get $t) (local.get $t)))
              (local.set $bo (i32.add (local.get $bo) (i32.const 16)))
              (br_if $steps (i32.lt_u (local.get $bo) (local.get $Lm16))))
            (local.set $v (v128.load (i32.add (local.get $pos) (local.get $Lm16))))
            (local.set $hi (v128.and (i16x8.shr_u (local.get $v) (i32.const 4)) (local.get $c0f)))
            (local.set $bad (v128.and
              (i8x16.swizzle (local.get $lutlo) (v128.and (local.get $v) (local.get $c0f)))
              (i8x16.swizzle (local.get $luthi) (local.get $hi))))
            (local.set $acc (v128.or (local.get $acc) (local.get $bad)))
            (local.set $t (i8x16.add (local.get $v)
              (i8x16.swizzle (local.get $lutroll) (i8x16.add (local.get $hi) (i8x16.eq (local.get $v) (local.get $c2f))))))
            (local.set $t (v128.or
              (i16x8.shl (v128.and (local.get $t) (local.get $c3f)) (i32.const 6))
              (i16x8.shr_u (local.get $t) (i32.const 8))))
            (local.set $t (i32x4.dot_i16x8_s (local.get $t) (local.get $cdot)))
            (v128.store (i32.add (local.get $o) (i32.mul (i32.shr_u (local.get $Lm16) (i32.const 2)) (i32.const 3)))
              (i8x16.shuffle 2 1 0 6 5 4 10 9 8 14 13 12 3 7 11 15 (local.get $t) (local.get $t)))
            (if (i32.eqz (v128.any_true (local.get $acc)))
              (then
                (local.set $p (i32.add (local.get $pos) (local.get $L)))
                (if (if (result i32) (i32.eq (local.get $Lfull) (i32.add (local.get $L) (i32.const 2)))
                      (then (i32.eq (i32.load16_u (local.get $p)) (i32.const 0x0a0d)))
                      (else (i32.eq (i32.load8_u (local.get $p)) (i32.const 10))))
                  (then
                    (local.set $pos (i32.add (local.get $pos) (local.get $Lfull)))
                    (local.set $o (i32.add (local.get $o) (local.get $Lout)))
                    (br_if $lines (i32.lt_u (local.get $pos) (local.get $end)))
                    (global.set $produced (i32.sub (local.get $o) (local.get $out)))
                    (return (local.get $len))))))))
        ;; General: find $p, the line's first byte outside the alphabet, decoding as it goes.
        (block $found
          (loop $blocks
            (if (i32.gt_u (i32.add (local.get $pos) (i32.const 16)) (local.get $end))
              (then
                ;; Fewer than 16 bytes left: one byte at a time.
                (local.set $p (local.get $pos))
                (block $none
                  (loop $scan
                    (br_if $none (i32.ge_u (local.get $p) (local.get $end)))
                    (br_if $found (i32.eq (i32.load8_u (i32.load8_u (local.get $p))) (i32.const 0xff)))
                    (local.set $p (i32.add (local.get $p) (i32.const 1)))
                    (br $scan)))
                (br $stop)))
            (local.set $v (v128.load (local.get $pos)))
            (local.set $hi (v128.and (i16x8.shr_u (local.get $v) (i32.const 4)) (local.get $c0f)))
            (local.set $bad (v128.and
              (i8x16.swizzle (local.get $lutlo) (v128.and (local.get $v) (local.get $c0f)))
              (i8x16.swizzle (local.get $luthi) (local.get $hi))))
            (if (v128.any_true (local.get $bad))
              (then
                (local.set $p (i32.add (local.get $pos)
                  (i32.ctz (i8x16.bitmask (i8x16.ne (local.get $bad) (local.get $zero))))))
                (br $found)))
            (local.set $t (i8x16.add (local.get $v)
              (i8x16.swizzle (local.get $lutroll) (i8x16.add (local.get $hi) (i8x16.eq (local.get $v) (local.get $c2f))))))
            (local.set $t (v128.or
              (i16x8.shl (v128.and (local.get $t) (local.get $c3f)) (i32.const 6))
              (i16x8.shr_u (local.get $t) (i32.const 8))))
            (local.set $t (i32x4.dot_i16x8_s (local.get $t) (local.get $cdot)))
            (v128.store (local.get $o)
              (i8x16.shuffle 2 1 0 6 5 4 10 9 8 14 13 12 3 7 11 15 (local.get $t) (local.get $t)))
            (local.set $pos (i32.add (local.get $pos) (i32.const 16)))
            (local.set $o (i32.add (local.get $o) (i32.const 12)))
            (br $blocks)))
        ;; The line's characters are [$line, $p); those from $pos on are not decoded yet. A line
        ;; that is not a whole number of quanta stops the decoding before it.
        (local.set $k (i32.sub (local.get $p) (local.get $pos)))
        (br_if $stop (i32.and (local.get $k) (i32.const 3)))
        ;; Its end: CRLF or LF, else stop before this line.
        (if (i32.eq (i32.load8_u (local.get $p)) (i32.const 13))
          (then
            (br_if $stop (i32.ge_u (i32.add (local.get $p) (i32.const 1)) (local.get $end)))
            (br_if $stop (i32.ne (i32.load8_u (i32.add (local.get $p) (i32.const 1))) (i32.const 10)))
            (local.set $q (i32.add (local.get $p) (i32.const 2))))
          (else
            (br_if $stop (i32.ne (i32.load8_u (local.get $p)) (i32.const 10)))
            (local.set $q (i32.add (local.get $p) (i32.const 1)))))
        (if (i32.ge_u (i32.sub (local.get $p) (local.get $line)) (i32.const 16))
          (then
            ;; The line's last 16 characters in one step, overlapping what is decoded: the
            ;; overlap is written again with the same bytes.
            (if (local.get $k)
              (then
                (local.set $v (v128.load (i32.sub (local.get $p) (i32.const 16))))
                (local.set $hi (v128.and (i16x8.shr_u (local.get $v) (i32.const 4)) (local.get $c0f)))
                (local.set $t (i8x16.add (local.get $v)
                  (i8x16.swizzle (local.get $lutroll) (i8x16.add (local.get $hi) (i8x16.eq (local.get $v) (local.get $c2f))))))
                (local.set $t (v128.or
                  (i16x8.shl (v128.and (local.get $t) (local.get $c3f)) (i32.const 6))
                  (i16x8.shr_u (local.get $t) (i32.const 8))))
                (local.set $t (i32x4.dot_i16x8_s (local.get $t) (local.get $cdot)))
                (v128.store (i32.add (local.get $oline) (i32.mul (i32.shr_u (i32.sub (i32.sub (local.get $p) (i32.const 16)) (local.get $line)) (i32.const 2)) (i32.const 3)))
                  (i8x16.shuffle 2 1 0 6 5 4 10 9 8 14 13 12 3 7 11 15 (local.get $t) (local.get $t)))
                (local.set $o (i32.add (local.get $o) (i32.mul (i32.shr_u (local.get $k) (i32.const 2)) (i32.const 3))))))
            ;; Lines like this one are taken by the fast step from now on.
            (local.set $L (i32.sub (local.get $p) (local.get $line)))
            (local.set $Lfull (i32.sub (local.get $q) (local.get $line)))
            (local.set $Lm16 (i32.sub (local.get $L) (i32.const 16)))
            (local.set $Lout (i32.mul (i32.shr_u (local.get $L) (i32.const 2)) (i32.const 3))))
          (else
            ;; A short line: one quantum at a time, through the table.
            (local.set $L (i32.const 0))
            (block $short
              (loop $quanta
                (br_if $short (i32.ge_u (local.get $pos) (local.get $p)))
                (local.set $a (i32.load8_u (i32.load8_u (local.get $pos))))
                (local.set $b (i32.load8_u (i32.load8_u (i32.add (local.get $pos) (i32.const 1)))))
                (local.set $c (i32.load8_u (i32.load8_u (i32.add (local.get $pos) (i32.const 2)))))
                (local.set $d (i32.load8_u (i32.load8_u (i32.add (local.get $pos) (i32.const 3)))))
                (i32.store8 (local.get $o) (i32.or (i32.shl (local.get $a) (i32.const 2)) (i32.shr_u (local.get $b) (i32.const 4))))
                (i32.store8 (i32.add (local.get $o) (i32.const 1)) (i32.or (i32.shl (local.get $b) (i32.const 4)) (i32.shr_u (local.get $c) (i32.const 2))))
                (i32.store8 (i32.add (local.get $o) (i32.const 2)) (i32.or (i32.shl (local.get $c) (i32.const 6)) (local.get $d)))
                (local.set $pos (i32.add (local.get $pos) (i32.const 4)))
                (local.set $o (i32.add (local.get $o) (i32.const 3)))
                (br $quanta)))))
        (local.set $pos (local.get $q))
        (br_if $lines (i32.lt_u (local.get $pos) (local.get $end)))
        ;; Every byte consumed.
        (global.set $produced (i32.sub (local.get $o) (local.get $out)))
        (return (local.get $len))))
    ;; Stopped before the line that starts at $line.
    (global.set $produced (i32.sub (local.get $oline) (local.get $out)))
    (i32.sub (local.get $line) (local.get $in)))
)
