;; Hand-written WebAssembly SIMD kernels that decode whittle encodings to float32.
;; Source of the bytes in decode-simd-module.ts; regenerate with
;; `npm run build:simd -w @whittle/core` (the `wabt` assembler, a dev dependency).
;;
;; The JS decoders (../affine-decode.ts, ../codebook-codec.ts, ../../tensor/half.ts) are the spec; every
;; kernel here gives the same float32 bits for every non-NaN result:
;; - Codes of 1–8 bits are scaled from one byte each, read as int8: 1–7-bit codes are first
;;   unpacked to bytes (unsigned ones stay below 128), and unsigned 8-bit codes are xored with
;;   0x80 while the host lowers their zero points by 128, so code − zeroPoint is unchanged.
;;   16-bit codes are widened to int32 first. Packed 1–7-bit codes are read 8 at a time (8 codes
;;   fill exactly `bits` bytes): a swizzle gathers the two bytes holding each code into its lane,
;;   one multiply by 2^(32 - shift - bits) moves the code's top bit to bit 31 (bits above it fall
;;   off the lane), and a logical or arithmetic right shift by 32 - bits leaves the unsigned or
;;   sign-extended code. The swizzles and multipliers per width are the table the host writes
;;   (see decode-kernel.ts); 4-bit codes have a nibble shuffle of their own.
;; - Float32 lanes (`run32`, `vector32`): (code - zeroPoint) * scale. The host takes this path
;;   only for a float32 (or float16) scale and |zeroPoint| <= 2^23 (after any lowering by 128), so
;;   code - zeroPoint is an integer below 2^24 (exact in int32 and in float32) and its product with
;;   a 24-bit scale is exact in float64: the spec's float64 multiply then float32 store rounds
;;   once, exactly as one f32.mul does.
;; - Float64 lanes (`run64`, `vector64`): code * scale + offset, then one demotion to float32: the
;;   same operations, in the same order, as the spec's float64 arithmetic and Float32Array store
;;   (float64 scales, and the offset form). The zero-point form runs here as
;;   (code - zeroPoint) * scale + (-0): adding -0 changes no value, -0 included.
;; - Split float32 lanes (`scaleSplitBytes`), for one float64 scale and offset over byte codes:
;;   exact by the host's check of all 256 codes against the float64 definition, made per tensor.
;; - Scaling kernels may run up to 15 elements past the end of a run: the next run rewrites them,
;;   and the host pads every region by 128 bytes, so nothing outside the chunk is touched.
;; - The codebook lookup copies centroid bits; half widening is exact (a power-of-two multiply
;;   of a float32 made from the half's bits, or the bits themselves for infinity and NaN).
(module
  (memory (export "memory") 1)

  ;; ---- unpacking codes ----

  ;; `count` little-endian 16-bit codes at `source` to int32 at `target`, 8 per step.
  (func (export "unpack16") (param $source i32) (param $target i32) (param $count i32) (param $signed i32)
    (local $end i32) (local $words v128)
    (local.set $end (i32.add (local.get $target) (i32.shl (local.get $count) (i32.const 2))))
    (if (local.get $signed)
      (then
        (block $done
          (loop $step
            (br_if $done (i32.ge_u (local.get $target) (local.get $end)))
            (local.set $words (v128.load (local.get $source)))
            (v128.store offset=0 (local.get $target) (i32x4.extend_low_i16x8_s (local.get $words)))
            (v128.store offset=16 (local.get $target) (i32x4.extend_high_i16x8_s (local.get $words)))
            (local.set $source (i32.add (local.get $source) (i32.const 16)))
            (local.set $target (i32.add (local.get $target) (i32.const 32)))
            (br $step))))
      (else
        (block $done
          (loop $step
            (br_if $done (i32.ge_u (local.get $target) (local.get $end)))
            (local.set $words (v128.load (local.get $source)))
            (v128.store offset=0 (local.get $target) (i32x4.extend_low_i16x8_u (local.get $words)))
            (v128.store offset=16 (local.get $target) (i32x4.extend_high_i16x8_u (local.get $words)))
            (local.set $source (i32.add (local.get $source) (i32.const 16)))
            (local.set $target (i32.add (local.get $target) (i32.const 32)))
            (br $step))))))

;; `count` codes packed `bits` wide (1–7), LSB-first, at `source` to one byte each at `target`
  ;; (signed codes sign-extended, unsigned ones below 128, so both read as int8), 8 per step.
  ;; `table` holds this width's two swizzles and two multipliers (64 bytes).
  (func (export "unpackBits") (param $table i32) (param $source i32) (param $target i32) (param $count i32) (param $bits i32) (param $signed i32)
    (local $end i32) (local $bytes v128) (local $shift i32) (local $low v128) (local $high v128) (local $words v128)
    (local $swizzleLow v128) (local $swizzleHigh v128) (local $multiplyLow v128) (local $multiplyHigh v128)
    (local.set $swizzleLow (v128.load offset=0 (local.get $table)))
    (local.set $swizzleHigh (v128.load offset=16 (local.get $table)))
    (local.set $multiplyLow (v128.load offset=32 (local.get $table)))
    (local.set $multiplyHigh (v128.load offset=48 (local.get $table)))
    (local.set $shift (i32.sub (i32.const 32) (local.get $bits)))
    (local.set $end (i32.add (local.get $target) (local.get $count)))
    (block $done
      (loop $step
        (br_if $done (i32.ge_u (local.get $target) (local.get $end)))
        (local.set $bytes (v128.load (local.get $source)))
        (local.set $low (i32x4.mul (i8x16.swizzle (local.get $bytes) (local.get $swizzleLow)) (local.get $multiplyLow)))
        (local.set $high (i32x4.mul (i8x16.swizzle (local.get $bytes) (local.get $swizzleHigh)) (local.get $multiplyHigh)))
        (if (local.get $signed)
          (then
            (local.set $low (i32x4.shr_s (local.get $low) (local.get $shift)))
            (local.set $high (i32x4.shr_s (local.get $high) (local.get $shift))))
          (else
            (local.set $low (i32x4.shr_u (local.get $low) (local.get $shift)))
            (local.set $high (i32x4.shr_u (local.get $high) (local.get $shift)))))
        ;; Every code fits a signed byte, so the saturating narrows are exact.
        (local.set $words (i16x8.narrow_i32x4_s (local.get $low) (local.get $high)))
        (v128.store64_lane 0 (local.get $target) (i8x16.narrow_i16x8_s (local.get $words) (local.get $words)))
        (local.set $source (i32.add (local.get $source) (local.get $bits)))
        (local.set $target (i32.add (local.get $target) (i32.const 8)))
        (br $step))))

  ;; `count` 4-bit codes at `source` to one byte each at `target`, 16 per step: low nibble first.
  (func (export "unpack4") (param $source i32) (param $target i32) (param $count i32) (param $signed i32)
    (local $end i32) (local $bytes v128) (local $codes v128)
    (local.set $end (i32.add (local.get $target) (local.get $count)))
    (block $done
      (loop $step
        (br_if $done (i32.ge_u (local.get $target) (local.get $end)))
        (local.set $bytes (v128.load64_zero (local.get $source)))
        (local.set $codes
          (i8x16.shuffle 0 16 1 17 2 18 3 19 4 20 5 21 6 22 7 23
            (v128.and (local.get $bytes) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15))
            (i8x16.shr_u (local.get $bytes) (i32.const 4))))
        (if (local.get $signed)
          (then (local.set $codes (i8x16.sub (v128.xor (local.get $codes) (v128.const i8x16 8 8 8 8 8 8 8 8 8 8 8 8 8 8 8 8)) (v128.const i8x16 8 8 8 8 8 8 8 8 8 8 8 8 8 8 8 8)))))
        (v128.store (local.get $target) (local.get $codes))
        (local.set $source (i32.add (local.get $source) (i32.const 8)))
        (local.set $target (i32.add (local.get $target) (i32.const 16)))
        (br $step))))

;; ---- one scale over a run ----

  ;; (code - zeroPoint) * scale in float32 lanes for `count` int32 codes, 4 per step.
  (func $run32 (param $codes i32) (param $values i32) (param $count i32) (param $scale f32) (param $zeroPoint i32)
    (local $end i32) (local $scales v128) (local $zeroPoints v128)
    (local.set $scales (f32x4.splat (local.get $scale)))
    (local.set $zeroPoints (i32x4.splat (local.get $zeroPoint)))
    (local.set $end (i32.add (local.get $values) (i32.shl (local.get $count) (i32.const 2))))
    (block $done
      (loop $step
        (br_if $done (i32.ge_u (local.get $values) (local.get $end)))
        (v128.store (local.get $values) (f32x4.mul (f32x4.convert_i32x4_s (i32x4.sub (v128.load (local.get $codes)) (local.get $zeroPoints))) (local.get $scales)))
        (local.set $codes (i32.add (local.get $codes) (i32.const 16)))
        (local.set $values (i32.add (local.get $values) (i32.const 16)))
        (br $step))))

  ;; The same for byte codes (int8 after xor with `flip`), 16 per step.
  (func $run32Bytes (param $codes i32) (param $values i32) (param $count i32) (param $scale f32) (param $zeroPoint i32) (param $flip v128)
    (local $end i32) (local $scales v128) (local $zeroPoints v128) (local $bytes v128) (local $low v128) (local $high v128)
    (local.set $scales (f32x4.splat (local.get $scale)))
    (local.set $zeroPoints (i32x4.splat (local.get $zeroPoint)))
    (local.set $end (i32.add (local.get $values) (i32.shl (local.get $count) (i32.const 2))))
    (block $done
      (loop $step
        (br_if $done (i32.ge_u (local.get $values) (local.get $end)))
        (local.set $bytes (v128.xor (v128.load (local.get $codes)) (local.get $flip)))
        (local.set $low (i16x8.extend_low_i8x16_s (local.get $bytes)))
        (local.set $high (i16x8.extend_high_i8x16_s (local.get $bytes)))
        (v128.store offset=0 (local.get $values) (f32x4.mul (f32x4.convert_i32x4_s (i32x4.sub (i32x4.extend_low_i16x8_s (local.get $low)) (local.get $zeroPoints))) (local.get $scales)))
        (v128.store offset=16 (local.get $values) (f32x4.mul (f32x4.convert_i32x4_s (i32x4.sub (i32x4.extend_high_i16x8_s (local.get $low)) (local.get $zeroPoints))) (local.get $scales)))
        (v128.store offset=32 (local.get $values) (f32x4.mul (f32x4.convert_i32x4_s (i32x4.sub (i32x4.extend_low_i16x8_s (local.get $high)) (local.get $zeroPoints))) (local.get $scales)))
        (v128.store offset=48 (local.get $values) (f32x4.mul (f32x4.convert_i32x4_s (i32x4.sub (i32x4.extend_high_i16x8_s (local.get $high)) (local.get $zeroPoints))) (local.get $scales)))
        (local.set $codes (i32.add (local.get $codes) (i32.const 16)))
        (local.set $values (i32.add (local.get $values) (i32.const 64)))
        (br $step))))

  ;; (code - zeroPoint) * scale + offset in float64 lanes, demoted to float32, 4 int32 codes per step.
  (func $run64 (param $codes i32) (param $values i32) (param $count i32) (param $scale f64) (param $offset f64) (param $zeroPoint i32)
    (local $end i32) (local $scales v128) (local $offsets v128) (local $zeroPoints v128) (local $integers v128)
    (local.set $scales (f64x2.splat (local.get $scale)))
    (local.set $offsets (f64x2.splat (local.get $offset)))
    (local.set $zeroPoints (i32x4.splat (local.get $zeroPoint)))
    (local.set $end (i32.add (local.get $values) (i32.shl (local.get $count) (i32.const 2))))
    (block $done
      (loop $step
        (br_if $done (i32.ge_u (local.get $values) (local.get $end)))
        (local.set $integers (i32x4.sub (v128.load (local.get $codes)) (local.get $zeroPoints)))
        (v128.store (local.get $values)
            (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
              (f32x4.demote_f64x2_zero (f64x2.add (f64x2.mul (f64x2.convert_low_i32x4_s (local.get $integers)) (local.get $scales)) (local.get $offsets)))
              (f32x4.demote_f64x2_zero (f64x2.add (f64x2.mul (f64x2.convert_low_i32x4_s (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $integers) (local.get $integers))) (local.get $scales)) (local.get $offsets)))))
        (local.set $codes (i32.add (local.get $codes) (i32.const 16)))
        (local.set $values (i32.add (local.get $values) (i32.const 16)))
        (br $step))))

  ;; The same for byte codes (int8 after xor with `flip`), 16 per step.
  (func $run64Bytes (param $codes i32) (param $values i32) (param $count i32) (param $scale f64) (param $offset f64) (param $zeroPoint i32) (param $flip v128)
    (local $end i32) (local $scales v128) (local $offsets v128) (local $zeroPoints v128) (local $integers v128)
    (local $bytes v128) (local $low v128) (local $high v128)
    (local.set $scales (f64x2.splat (local.get $scale)))
    (local.set $offsets (f64x2.splat (local.get $offset)))
    (local.set $zeroPoints (i32x4.splat (local.get $zeroPoint)))
    (local.set $end (i32.add (local.get $values) (i32.shl (local.get $count) (i32.const 2))))
    (block $done
      (loop $step
        (br_if $done (i32.ge_u (local.get $values) (local.get $end)))
        (local.set $bytes (v128.xor (v128.load (local.get $codes)) (local.get $flip)))
        (local.set $low (i16x8.extend_low_i8x16_s (local.get $bytes)))
        (local.set $high (i16x8.extend_high_i8x16_s (local.get $bytes)))
        (local.set $integers (i32x4.sub (i32x4.extend_low_i16x8_s (local.get $low)) (local.get $zeroPoints)))
        (v128.store offset=0 (local.get $values)
            (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
              (f32x4.demote_f64x2_zero (f64x2.add (f64x2.mul (f64x2.convert_low_i32x4_s (local.get $integers)) (local.get $scales)) (local.get $offsets)))
              (f32x4.demote_f64x2_zero (f64x2.add (f64x2.mul (f64x2.convert_low_i32x4_s (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $integers) (local.get $integers))) (local.get $scales)) (local.get $offsets)))))
        (local.set $integers (i32x4.sub (i32x4.extend_high_i16x8_s (local.get $low)) (local.get $zeroPoints)))
        (v128.store offset=16 (local.get $values)
            (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
              (f32x4.demote_f64x2_zero (f64x2.add (f64x2.mul (f64x2.convert_low_i32x4_s (local.get $integers)) (local.get $scales)) (local.get $offsets)))
              (f32x4.demote_f64x2_zero (f64x2.add (f64x2.mul (f64x2.convert_low_i32x4_s (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $integers) (local.get $integers))) (local.get $scales)) (local.get $offsets)))))
        (local.set $integers (i32x4.sub (i32x4.extend_low_i16x8_s (local.get $high)) (local.get $zeroPoints)))
        (v128.store offset=32 (local.get $values)
            (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
              (f32x4.demote_f64x2_zero (f64x2.add (f64x2.mul (f64x2.convert_low_i32x4_s (local.get $integers)) (local.get $scales)) (local.get $offsets)))
              (f32x4.demote_f64x2_zero (f64x2.add (f64x2.mul (f64x2.convert_low_i32x4_s (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $integers) (local.get $integers))) (local.get $scales)) (local.get $offsets)))))
        (local.set $integers (i32x4.sub (i32x4.extend_high_i16x8_s (local.get $high)) (local.get $zeroPoints)))
        (v128.store offset=48 (local.get $values)
            (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
              (f32x4.demote_f64x2_zero (f64x2.add (f64x2.mul (f64x2.convert_low_i32x4_s (local.get $integers)) (local.get $scales)) (local.get $offsets)))
              (f32x4.demote_f64x2_zero (f64x2.add (f64x2.mul (f64x2.convert_low_i32x4_s (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $integers) (local.get $integers))) (local.get $scales)) (local.get $offsets)))))
        (local.set $codes (i32.add (local.get $codes) (i32.const 16)))
        (local.set $values (i32.add (local.get $values) (i32.const 64)))
        (br $step))))

  ;; ---- one scale per element of a row (a vector of scales) ----

  ;; (code - zeroPoints[i]) * scales[i] in float32 lanes, 4 int32 codes per step.
  (func $vector32 (param $codes i32) (param $values i32) (param $count i32) (param $scales i32) (param $zeroPoints i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $values) (i32.shl (local.get $count) (i32.const 2))))
    (block $done
      (loop $step
        (br_if $done (i32.ge_u (local.get $values) (local.get $end)))
        (v128.store (local.get $values) (f32x4.mul (f32x4.convert_i32x4_s (i32x4.sub (v128.load (local.get $codes)) (v128.load (local.get $zeroPoints)))) (v128.load (local.get $scales))))
        (local.set $codes (i32.add (local.get $codes) (i32.const 16)))
        (local.set $values (i32.add (local.get $values) (i32.const 16)))
        (local.set $scales (i32.add (local.get $scales) (i32.const 16)))
        (local.set $zeroPoints (i32.add (local.get $zeroPoints) (i32.const 16)))
        (br $step))))

  ;; The same for byte codes (int8 after xor with `flip`), 16 per step.
  (func $vector32Bytes (param $codes i32) (param $values i32) (param $count i32) (param $scales i32) (param $zeroPoints i32) (param $flip v128)
    (local $end i32) (local $bytes v128) (local $low v128) (local $high v128)
    (local.set $end (i32.add (local.get $values) (i32.shl (local.get $count) (i32.const 2))))
    (block $done
      (loop $step
        (br_if $done (i32.ge_u (local.get $values) (local.get $end)))
        (local.set $bytes (v128.xor (v128.load (local.get $codes)) (local.get $flip)))
        (local.set $low (i16x8.extend_low_i8x16_s (local.get $bytes)))
        (local.set $high (i16x8.extend_high_i8x16_s (local.get $bytes)))
        (v128.store offset=0 (local.get $values) (f32x4.mul (f32x4.convert_i32x4_s (i32x4.sub (i32x4.extend_low_i16x8_s (local.get $low)) (v128.load offset=0 (local.get $zeroPoints)))) (v128.load offset=0 (local.get $scales))))
        (v128.store offset=16 (local.get $values) (f32x4.mul (f32x4.convert_i32x4_s (i32x4.sub (i32x4.extend_high_i16x8_s (local.get $low)) (v128.load offset=16 (local.get $zeroPoints)))) (v128.load offset=16 (local.get $scales))))
        (v128.store offset=32 (local.get $values) (f32x4.mul (f32x4.convert_i32x4_s (i32x4.sub (i32x4.extend_low_i16x8_s (local.get $high)) (v128.load offset=32 (local.get $zeroPoints)))) (v128.load offset=32 (local.get $scales))))
        (v128.store offset=48 (local.get $values) (f32x4.mul (f32x4.convert_i32x4_s (i32x4.sub (i32x4.extend_high_i16x8_s (local.get $high)) (v128.load offset=48 (local.get $zeroPoints)))) (v128.load offset=48 (local.get $scales))))
        (local.set $codes (i32.add (local.get $codes) (i32.const 16)))
        (local.set $values (i32.add (local.get $values) (i32.const 64)))
        (local.set $scales (i32.add (local.get $scales) (i32.const 64)))
        (local.set $zeroPoints (i32.add (local.get $zeroPoints) (i32.const 64)))
        (br $step))))

  ;; codes[i] * scales[i] for byte codes (int8 after xor with `flip`) whose zero points are all 0
  ;; (symmetric codes: no zero-point loads or subtractions), 16 per step.
  (func $vector32BytesScaled (param $codes i32) (param $values i32) (param $count i32) (param $scales i32) (param $flip v128)
    (local $end i32) (local $bytes v128) (local $low v128) (local $high v128)
    (local.set $end (i32.add (local.get $values) (i32.shl (local.get $count) (i32.const 2))))
    (block $done
      (loop $step
        (br_if $done (i32.ge_u (local.get $values) (local.get $end)))
        (local.set $bytes (v128.xor (v128.load (local.get $codes)) (local.get $flip)))
        (local.set $low (i16x8.extend_low_i8x16_s (local.get $bytes)))
        (local.set $high (i16x8.extend_high_i8x16_s (local.get $bytes)))
        (v128.store offset=0 (local.get $values) (f32x4.mul (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_s (local.get $low))) (v128.load offset=0 (local.get $scales))))
        (v128.store offset=16 (local.get $values) (f32x4.mul (f32x4.convert_i32x4_s (i32x4.extend_high_i16x8_s (local.get $low))) (v128.load offset=16 (local.get $scales))))
        (v128.store offset=32 (local.get $values) (f32x4.mul (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_s (local.get $high))) (v128.load offset=32 (local.get $scales))))
        (v128.store offset=48 (local.get $values) (f32x4.mul (f32x4.convert_i32x4_s (i32x4.extend_high_i16x8_s (local.get $high))) (v128.load offset=48 (local.get $scales))))
        (local.set $codes (i32.add (local.get $codes) (i32.const 16)))
        (local.set $values (i32.add (local.get $values) (i32.const 64)))
        (local.set $scales (i32.add (local.get $scales) (i32.const 64)))
        (br $step))))

  ;; The same for packed signed 4-bit codes with zero points all 0 (symmetric int4), 16 per step from 8 bytes.
  (func $vector32NibblesScaled (param $codes i32) (param $values i32) (param $count i32) (param $scales i32)
    (local $end i32) (local $bytes v128) (local $low v128) (local $high v128)
    (local.set $end (i32.add (local.get $values) (i32.shl (local.get $count) (i32.const 2))))
    (block $done
      (loop $step
        (br_if $done (i32.ge_u (local.get $values) (local.get $end)))
        (local.set $bytes (v128.load64_zero (local.get $codes)))
        (local.set $bytes
          (i8x16.shuffle 0 16 1 17 2 18 3 19 4 20 5 21 6 22 7 23
            (v128.and (local.get $bytes) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15))
            (i8x16.shr_u (local.get $bytes) (i32.const 4))))
        (local.set $bytes
          (i8x16.sub (v128.xor (local.get $bytes) (v128.const i8x16 8 8 8 8 8 8 8 8 8 8 8 8 8 8 8 8)) (v128.const i8x16 8 8 8 8 8 8 8 8 8 8 8 8 8 8 8 8)))
        (local.set $low (i16x8.extend_low_i8x16_s (local.get $bytes)))
        (local.set $high (i16x8.extend_high_i8x16_s (local.get $bytes)))
        (v128.store offset=0 (local.get $values) (f32x4.mul (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_s (local.get $low))) (v128.load offset=0 (local.get $scales))))
        (v128.store offset=16 (local.get $values) (f32x4.mul (f32x4.convert_i32x4_s (i32x4.extend_high_i16x8_s (local.get $low))) (v128.load offset=16 (local.get $scales))))
        (v128.store offset=32 (local.get $values) (f32x4.mul (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_s (local.get $high))) (v128.load offset=32 (local.get $scales))))
        (v128.store offset=48 (local.get $values) (f32x4.mul (f32x4.convert_i32x4_s (i32x4.extend_high_i16x8_s (local.get $high))) (v128.load offset=48 (local.get $scales))))
        (local.set $codes (i32.add (local.get $codes) (i32.const 8)))
        (local.set $values (i32.add (local.get $values) (i32.const 64)))
        (local.set $scales (i32.add (local.get $scales) (i32.const 64)))
        (br $step))))

  ;; The same for packed 4-bit codes (low nibble first), 16 per step from 8 bytes: the nibbles are
  ;; split as in scaleEqualRuns; signed ones sign-extended as (n xor 8) - 8 with `signBit` 8 (0: unsigned).
  (func $vector32Nibbles (param $codes i32) (param $values i32) (param $count i32) (param $scales i32) (param $zeroPoints i32) (param $signBit v128)
    (local $end i32) (local $bytes v128) (local $low v128) (local $high v128)
    (local.set $end (i32.add (local.get $values) (i32.shl (local.get $count) (i32.const 2))))
    (block $done
      (loop $step
        (br_if $done (i32.ge_u (local.get $values) (local.get $end)))
        (local.set $bytes (v128.load64_zero (local.get $codes)))
        (local.set $bytes
          (i8x16.shuffle 0 16 1 17 2 18 3 19 4 20 5 21 6 22 7 23
            (v128.and (local.get $bytes) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15))
            (i8x16.shr_u (local.get $bytes) (i32.const 4))))
        (local.set $bytes (i8x16.sub (v128.xor (local.get $bytes) (local.get $signBit)) (local.get $signBit)))
        (local.set $low (i16x8.extend_low_i8x16_s (local.get $bytes)))
        (local.set $high (i16x8.extend_high_i8x16_s (local.get $bytes)))
        (v128.store offset=0 (local.get $values) (f32x4.mul (f32x4.convert_i32x4_s (i32x4.sub (i32x4.extend_low_i16x8_s (local.get $low)) (v128.load offset=0 (local.get $zeroPoints)))) (v128.load offset=0 (local.get $scales))))
        (v128.store offset=16 (local.get $values) (f32x4.mul (f32x4.convert_i32x4_s (i32x4.sub (i32x4.extend_high_i16x8_s (local.get $low)) (v128.load offset=16 (local.get $zeroPoints)))) (v128.load offset=16 (local.get $scales))))
        (v128.store offset=32 (local.get $values) (f32x4.mul (f32x4.convert_i32x4_s (i32x4.sub (i32x4.extend_low_i16x8_s (local.get $high)) (v128.load offset=32 (local.get $zeroPoints)))) (v128.load offset=32 (local.get $scales))))
        (v128.store offset=48 (local.get $values) (f32x4.mul (f32x4.convert_i32x4_s (i32x4.sub (i32x4.extend_high_i16x8_s (local.get $high)) (v128.load offset=48 (local.get $zeroPoints)))) (v128.load offset=48 (local.get $scales))))
        (local.set $codes (i32.add (local.get $codes) (i32.const 8)))
        (local.set $values (i32.add (local.get $values) (i32.const 64)))
        (local.set $scales (i32.add (local.get $scales) (i32.const 64)))
        (local.set $zeroPoints (i32.add (local.get $zeroPoints) (i32.const 64)))
        (br $step))))

  ;; (code - zeroPoints[i]) * scales[i] + offsets[i] in float64 lanes, demoted, 4 int32 codes per step.
  (func $vector64 (param $codes i32) (param $values i32) (param $count i32) (param $scales i32) (param $offsets i32) (param $zeroPoints i32)
    (local $end i32) (local $integers v128)
    (local.set $end (i32.add (local.get $values) (i32.shl (local.get $count) (i32.const 2))))
    (block $done
      (loop $step
        (br_if $done (i32.ge_u (local.get $values) (local.get $end)))
        (local.set $integers (i32x4.sub (v128.load (local.get $codes)) (v128.load (local.get $zeroPoints))))
        (v128.store (local.get $values)
            (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
              (f32x4.demote_f64x2_zero (f64x2.add (f64x2.mul (f64x2.convert_low_i32x4_s (local.get $integers)) (v128.load offset=0 (local.get $scales))) (v128.load offset=0 (local.get $offsets))))
              (f32x4.demote_f64x2_zero (f64x2.add (f64x2.mul (f64x2.convert_low_i32x4_s (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $integers) (local.get $integers))) (v128.load offset=16 (local.get $scales))) (v128.load offset=16 (local.get $offsets))))))
        (local.set $codes (i32.add (local.get $codes) (i32.const 16)))
        (local.set $values (i32.add (local.get $values) (i32.const 16)))
        (local.set $scales (i32.add (local.get $scales) (i32.const 32)))
        (local.set $offsets (i32.add (local.get $offsets) (i32.const 32)))
        (local.set $zeroPoints (i32.add (local.get $zeroPoints) (i32.const 16)))
        (br $step))))

  ;; The same for byte codes (int8 after xor with `flip`), 16 per step.
  (func $vector64Bytes (param $codes i32) (param $values i32) (param $count i32) (param $scales i32) (param $offsets i32) (param $zeroPoints i32) (param $flip v128)
    (local $end i32) (local $integers v128) (local $bytes v128) (local $low v128) (local $high v128)
    (local.set $end (i32.add (local.get $values) (i32.shl (local.get $count) (i32.const 2))))
    (block $done
      (loop $step
        (br_if $done (i32.ge_u (local.get $values) (local.get $end)))
        (local.set $bytes (v128.xor (v128.load (local.get $codes)) (local.get $flip)))
        (local.set $low (i16x8.extend_low_i8x16_s (local.get $bytes)))
        (local.set $high (i16x8.extend_high_i8x16_s (local.get $bytes)))
        (local.set $integers (i32x4.sub (i32x4.extend_low_i16x8_s (local.get $low)) (v128.load offset=0 (local.get $zeroPoints))))
        (v128.store offset=0 (local.get $values)
            (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
              (f32x4.demote_f64x2_zero (f64x2.add (f64x2.mul (f64x2.convert_low_i32x4_s (local.get $integers)) (v128.load offset=0 (local.get $scales))) (v128.load offset=0 (local.get $offsets))))
              (f32x4.demote_f64x2_zero (f64x2.add (f64x2.mul (f64x2.convert_low_i32x4_s (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $integers) (local.get $integers))) (v128.load offset=16 (local.get $scales))) (v128.load offset=16 (local.get $offsets))))))
        (local.set $integers (i32x4.sub (i32x4.extend_high_i16x8_s (local.get $low)) (v128.load offset=16 (local.get $zeroPoints))))
        (v128.store offset=16 (local.get $values)
            (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
              (f32x4.demote_f64x2_zero (f64x2.add (f64x2.mul (f64x2.convert_low_i32x4_s (local.get $integers)) (v128.load offset=32 (local.get $scales))) (v128.load offset=32 (local.get $offsets))))
              (f32x4.demote_f64x2_zero (f64x2.add (f64x2.mul (f64x2.convert_low_i32x4_s (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $integers) (local.get $integers))) (v128.load offset=48 (local.get $scales))) (v128.load offset=48 (local.get $offsets))))))
        (local.set $integers (i32x4.sub (i32x4.extend_low_i16x8_s (local.get $high)) (v128.load offset=32 (local.get $zeroPoints))))
        (v128.store offset=32 (local.get $values)
            (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
              (f32x4.demote_f64x2_zero (f64x2.add (f64x2.mul (f64x2.convert_low_i32x4_s (local.get $integers)) (v128.load offset=64 (local.get $scales))) (v128.load offset=64 (local.get $offsets))))
              (f32x4.demote_f64x2_zero (f64x2.add (f64x2.mul (f64x2.convert_low_i32x4_s (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $integers) (local.get $integers))) (v128.load offset=80 (local.get $scales))) (v128.load offset=80 (local.get $offsets))))))
        (local.set $integers (i32x4.sub (i32x4.extend_high_i16x8_s (local.get $high)) (v128.load offset=48 (local.get $zeroPoints))))
        (v128.store offset=48 (local.get $values)
            (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
              (f32x4.demote_f64x2_zero (f64x2.add (f64x2.mul (f64x2.convert_low_i32x4_s (local.get $integers)) (v128.load offset=96 (local.get $scales))) (v128.load offset=96 (local.get $offsets))))
              (f32x4.demote_f64x2_zero (f64x2.add (f64x2.mul (f64x2.convert_low_i32x4_s (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $integers) (local.get $integers))) (v128.load offset=112 (local.get $scales))) (v128.load offset=112 (local.get $offsets))))))
        (local.set $codes (i32.add (local.get $codes) (i32.const 16)))
        (local.set $values (i32.add (local.get $values) (i32.const 64)))
        (local.set $scales (i32.add (local.get $scales) (i32.const 128)))
        (local.set $offsets (i32.add (local.get $offsets) (i32.const 128)))
        (local.set $zeroPoints (i32.add (local.get $zeroPoints) (i32.const 64)))
        (br $step))))

  ;; ---- walking a layout ----

  ;; Scales `count` codes where each run of a row shares one scale: rows of `rowLength` elements
  ;; split into runs of `runLength` (the last run of a row may be shorter); the scale index starts
  ;; at `scaleIndex` (the run holding the first element, which is `column` elements into its row)
  ;; and steps by one per run, back to 0 at `wrap`. `wide` picks float64 scales and offsets over
  ;; float32 scales; `bytes` picks one-byte codes (int8 after xor with `flip`) over int32 codes.
  ;; Zero points are int32, one per scale.
  (func (export "scaleRuns")
    (param $codes i32) (param $values i32) (param $count i32)
    (param $column i32) (param $rowLength i32) (param $runLength i32) (param $scaleIndex i32) (param $wrap i32)
    (param $wide i32) (param $scales i32) (param $offsets i32) (param $zeroPoints i32) (param $bytes i32) (param $flip i32)
    (local $runEnd i32) (local $length i32) (local $flipBytes v128) (local $codeShift i32)
    (local.set $flipBytes (i8x16.splat (local.get $flip)))
    (local.set $codeShift (select (i32.const 0) (i32.const 2) (local.get $bytes)))
    (local.set $runEnd
      (i32.add (i32.sub (local.get $column) (i32.rem_u (local.get $column) (local.get $runLength))) (local.get $runLength)))
    (if (i32.gt_u (local.get $runEnd) (local.get $rowLength)) (then (local.set $runEnd (local.get $rowLength))))
    (block $done
      (loop $run
        (br_if $done (i32.eqz (local.get $count)))
        (local.set $length (i32.sub (local.get $runEnd) (local.get $column)))
        (if (i32.gt_u (local.get $length) (local.get $count)) (then (local.set $length (local.get $count))))
        (if (local.get $wide)
          (then
            (if (local.get $bytes)
              (then
                (call $run64Bytes (local.get $codes) (local.get $values) (local.get $length)
                  (f64.load (i32.add (local.get $scales) (i32.shl (local.get $scaleIndex) (i32.const 3))))
                  (f64.load (i32.add (local.get $offsets) (i32.shl (local.get $scaleIndex) (i32.const 3))))
                  (i32.load (i32.add (local.get $zeroPoints) (i32.shl (local.get $scaleIndex) (i32.const 2))))
                  (local.get $flipBytes)))
              (else
                (call $run64 (local.get $codes) (local.get $values) (local.get $length)
                  (f64.load (i32.add (local.get $scales) (i32.shl (local.get $scaleIndex) (i32.const 3))))
                  (f64.load (i32.add (local.get $offsets) (i32.shl (local.get $scaleIndex) (i32.const 3))))
                  (i32.load (i32.add (local.get $zeroPoints) (i32.shl (local.get $scaleIndex) (i32.const 2))))))))
          (else
            (if (local.get $bytes)
              (then
                (call $run32Bytes (local.get $codes) (local.get $values) (local.get $length)
                  (f32.load (i32.add (local.get $scales) (i32.shl (local.get $scaleIndex) (i32.const 2))))
                  (i32.load (i32.add (local.get $zeroPoints) (i32.shl (local.get $scaleIndex) (i32.const 2))))
                  (local.get $flipBytes)))
              (else
                (call $run32 (local.get $codes) (local.get $values) (local.get $length)
                  (f32.load (i32.add (local.get $scales) (i32.shl (local.get $scaleIndex) (i32.const 2))))
                  (i32.load (i32.add (local.get $zeroPoints) (i32.shl (local.get $scaleIndex) (i32.const 2)))))))))
        (local.set $codes (i32.add (local.get $codes) (i32.shl (local.get $length) (local.get $codeShift))))
        (local.set $values (i32.add (local.get $values) (i32.shl (local.get $length) (i32.const 2))))
        (local.set $count (i32.sub (local.get $count) (local.get $length)))
        (local.set $column (i32.add (local.get $column) (local.get $length)))
        (if (i32.eq (local.get $column) (local.get $runEnd))
          (then
            (local.set $scaleIndex (i32.add (local.get $scaleIndex) (i32.const 1)))
            (if (i32.eq (local.get $scaleIndex) (local.get $wrap)) (then (local.set $scaleIndex (i32.const 0))))
            (if (i32.eq (local.get $column) (local.get $rowLength))
              (then
                (local.set $column (i32.const 0))
                (local.set $runEnd (local.get $runLength)))
              (else
                (local.set $runEnd (i32.add (local.get $runEnd) (local.get $runLength)))))
            (if (i32.gt_u (local.get $runEnd) (local.get $rowLength)) (then (local.set $runEnd (local.get $rowLength))))))
        (br $run))))

  ;; Scales `count` codes where each row of `rowLength` elements takes a vector of scales: row
  ;; scales start at element `block * rowLength` of the scale arrays. The first element is
  ;; `column` into its row, which is row `position` of its outer block of `rowsPerOuter` rows;
  ;; the block index steps every `groupRows` rows and at every outer boundary, back to 0 at `wrap`.
  ;; `wide`, `bytes` and `flip` as for scaleRuns. With `nibbles` 1 (signed) or 2 (unsigned) and
  ;; float32 scales, the codes are packed 4-bit codes split here, so they need no unpacking pass:
  ;; the host asks for it only where every row holds an even number of codes (each starts on a byte).
  ;; `noZeroPoints` 1 says every zero point (after any lowering by 128) is 0: float32 byte and
  ;; signed nibble codes are then scaled without loading them.
  (func (export "scaleRows")
    (param $codes i32) (param $values i32) (param $count i32)
    (param $column i32) (param $rowLength i32) (param $position i32) (param $rowsPerOuter i32) (param $groupRows i32)
    (param $block i32) (param $wrap i32)
    (param $wide i32) (param $scales i32) (param $offsets i32) (param $zeroPoints i32) (param $bytes i32) (param $flip i32)
    (param $nibbles i32) (param $noZeroPoints i32)
    (local $length i32) (local $first i32) (local $flipBytes v128) (local $codeShift i32) (local $signBit v128)
    (local.set $flipBytes (i8x16.splat (local.get $flip)))
    (local.set $codeShift (select (i32.const 0) (i32.const 2) (local.get $bytes)))
    ;; A signed nibble n is (n xor 8) - 8 as a byte; an unsigned one is n (xor and subtract 0).
    (local.set $signBit (i8x16.splat (select (i32.const 8) (i32.const 0) (i32.eq (local.get $nibbles) (i32.const 1)))))
    (block $done
      (loop $row
        (br_if $done (i32.eqz (local.get $count)))
        (local.set $length (i32.sub (local.get $rowLength) (local.get $column)))
        (if (i32.gt_u (local.get $length) (local.get $count)) (then (local.set $length (local.get $count))))
        (local.set $first (i32.add (i32.mul (local.get $block) (local.get $rowLength)) (local.get $column)))
        (if (local.get $wide)
          (then
            (if (local.get $bytes)
              (then
                (call $vector64Bytes (local.get $codes) (local.get $values) (local.get $length)
                  (i32.add (local.get $scales) (i32.shl (local.get $first) (i32.const 3)))
                  (i32.add (local.get $offsets) (i32.shl (local.get $first) (i32.const 3)))
                  (i32.add (local.get $zeroPoints) (i32.shl (local.get $first) (i32.const 2)))
                  (local.get $flipBytes)))
              (else
                (call $vector64 (local.get $codes) (local.get $values) (local.get $length)
                  (i32.add (local.get $scales) (i32.shl (local.get $first) (i32.const 3)))
                  (i32.add (local.get $offsets) (i32.shl (local.get $first) (i32.const 3)))
                  (i32.add (local.get $zeroPoints) (i32.shl (local.get $first) (i32.const 2)))))))
          (else
            (if (local.get $nibbles)
              (then
                (if (i32.and (local.get $noZeroPoints) (i32.eq (local.get $nibbles) (i32.const 1)))
                  (then
                    (call $vector32NibblesScaled (local.get $codes) (local.get $values) (local.get $length)
                      (i32.add (local.get $scales) (i32.shl (local.get $first) (i32.const 2)))))
                  (else
                    (call $vector32Nibbles (local.get $codes) (local.get $values) (local.get $length)
                      (i32.add (local.get $scales) (i32.shl (local.get $first) (i32.const 2)))
                      (i32.add (local.get $zeroPoints) (i32.shl (local.get $first) (i32.const 2)))
                      (local.get $signBit)))))
              (else
                (if (local.get $bytes)
                  (then
                    (if (local.get $noZeroPoints)
                      (then
                        (call $vector32BytesScaled (local.get $codes) (local.get $values) (local.get $length)
                          (i32.add (local.get $scales) (i32.shl (local.get $first) (i32.const 2)))
                          (local.get $flipBytes)))
                      (else
                        (call $vector32Bytes (local.get $codes) (local.get $values) (local.get $length)
                          (i32.add (local.get $scales) (i32.shl (local.get $first) (i32.const 2)))
                          (i32.add (local.get $zeroPoints) (i32.shl (local.get $first) (i32.const 2)))
                          (local.get $flipBytes)))))
                  (else
                    (call $vector32 (local.get $codes) (local.get $values) (local.get $length)
                      (i32.add (local.get $scales) (i32.shl (local.get $first) (i32.const 2)))
                      (i32.add (local.get $zeroPoints) (i32.shl (local.get $first) (i32.const 2))))))))))
        (local.set $codes
          (select
            (i32.add (local.get $codes) (i32.shr_u (local.get $length) (i32.const 1)))
            (i32.add (local.get $codes) (i32.shl (local.get $length) (local.get $codeShift)))
            (local.get $nibbles)))
        (local.set $values (i32.add (local.get $values) (i32.shl (local.get $length) (i32.const 2))))
        (local.set $count (i32.sub (local.get $count) (local.get $length)))
        (local.set $column (i32.add (local.get $column) (local.get $length)))
        (if (i32.eq (local.get $column) (local.get $rowLength))
          (then
            (local.set $column (i32.const 0))
            (local.set $position (i32.add (local.get $position) (i32.const 1)))
            (if (i32.eq (local.get $position) (local.get $rowsPerOuter))
              (then
                (local.set $position (i32.const 0))
                (local.set $block (i32.add (local.get $block) (i32.const 1))))
              (else
                (if (i32.eqz (i32.rem_u (local.get $position) (local.get $groupRows)))
                  (then (local.set $block (i32.add (local.get $block) (i32.const 1)))))))
            (if (i32.eq (local.get $block) (local.get $wrap)) (then (local.set $block (i32.const 0))))))
        (br $row))))

;; Equal runs of codes with float32 scales: `count` codes in runs of `runLength` (a multiple
  ;; of 16), run k scaled by scales[k] and zeroPoints[k], all in one loop (the common per-group
  ;; case: no call and no bookkeeping per run). With `nibbles` 0 the codes are one byte each
  ;; (int8 after xor with `flip`); with 1 or 2 they are packed 4-bit codes, signed or unsigned,
  ;; split here (low nibble first), so 4-bit codes need no unpacking pass.
  (func (export "scaleEqualRuns")
    (param $codes i32) (param $values i32) (param $count i32) (param $runLength i32)
    (param $scales i32) (param $zeroPoints i32) (param $flip i32) (param $nibbles i32)
    (local $end i32) (local $runEnd i32) (local $flipBytes v128) (local $scaleLanes v128) (local $zeroPointLanes v128)
    (local $bytes v128) (local $low v128) (local $high v128) (local $signBit v128)
    (local.set $flipBytes (i8x16.splat (local.get $flip)))
    ;; A signed nibble n is (n xor 8) - 8 as a byte (two cheap operations, where byte shifts are
    ;; emulated on x86); an unsigned one is n (xor and subtract 0).
    (local.set $signBit (i8x16.splat (select (i32.const 8) (i32.const 0) (i32.eq (local.get $nibbles) (i32.const 1)))))
    (local.set $end (i32.add (local.get $values) (i32.shl (local.get $count) (i32.const 2))))
    (block $done
      (loop $run
        (br_if $done (i32.ge_u (local.get $values) (local.get $end)))
        (local.set $scaleLanes (v128.load32_splat (local.get $scales)))
        (local.set $zeroPointLanes (v128.load32_splat (local.get $zeroPoints)))
        (local.set $runEnd (i32.add (local.get $values) (i32.shl (local.get $runLength) (i32.const 2))))
        (block $runDone
          (loop $step
            (br_if $runDone (i32.ge_u (local.get $values) (local.get $runEnd)))
            (if (local.get $nibbles)
              (then
                (local.set $bytes (v128.load64_zero (local.get $codes)))
                (local.set $bytes
                  (i8x16.shuffle 0 16 1 17 2 18 3 19 4 20 5 21 6 22 7 23
                    (v128.and (local.get $bytes) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15))
                    (i8x16.shr_u (local.get $bytes) (i32.const 4))))
                (local.set $bytes (i8x16.sub (v128.xor (local.get $bytes) (local.get $signBit)) (local.get $signBit)))
                (local.set $codes (i32.add (local.get $codes) (i32.const 8))))
              (else
                (local.set $bytes (v128.xor (v128.load (local.get $codes)) (local.get $flipBytes)))
                (local.set $codes (i32.add (local.get $codes) (i32.const 16)))))
            (local.set $low (i16x8.extend_low_i8x16_s (local.get $bytes)))
            (local.set $high (i16x8.extend_high_i8x16_s (local.get $bytes)))
            (v128.store offset=0 (local.get $values) (f32x4.mul (f32x4.convert_i32x4_s (i32x4.sub (i32x4.extend_low_i16x8_s (local.get $low)) (local.get $zeroPointLanes))) (local.get $scaleLanes)))
            (v128.store offset=16 (local.get $values) (f32x4.mul (f32x4.convert_i32x4_s (i32x4.sub (i32x4.extend_high_i16x8_s (local.get $low)) (local.get $zeroPointLanes))) (local.get $scaleLanes)))
            (v128.store offset=32 (local.get $values) (f32x4.mul (f32x4.convert_i32x4_s (i32x4.sub (i32x4.extend_low_i16x8_s (local.get $high)) (local.get $zeroPointLanes))) (local.get $scaleLanes)))
            (v128.store offset=48 (local.get $values) (f32x4.mul (f32x4.convert_i32x4_s (i32x4.sub (i32x4.extend_high_i16x8_s (local.get $high)) (local.get $zeroPointLanes))) (local.get $scaleLanes)))
            (local.set $values (i32.add (local.get $values) (i32.const 64)))
            (br $step)))
        (local.set $scales (i32.add (local.get $scales) (i32.const 4)))
        (local.set $zeroPoints (i32.add (local.get $zeroPoints) (i32.const 4)))
        (br $run))))

;; One float64 scale and offset over a whole tensor of byte codes, in float32 lanes: `count`
  ;; codes (int8 after xor with `flip`) to (code - zeroPoint) * high + (code - zeroPoint) * low,
  ;; each product and the sum rounded to float32. The host takes this path only after checking,
  ;; for every one of the 256 codes, that it gives the float64 definition's bits
  ;; (code * scale + offset, one rounding to float32): `high` is the scale cut to so few bits
  ;; that its product with code - zeroPoint is exact, `low` the rest, and zeroPoint the integer
  ;; nearest -offset / scale (see affine-simd.ts). 16 codes per step.
  (func (export "scaleSplitBytes")
    (param $codes i32) (param $values i32) (param $count i32) (param $high f32) (param $low f32) (param $zeroPoint i32) (param $flip i32)
    (local $end i32) (local $highs v128) (local $lows v128) (local $zeroPoints v128) (local $flipBytes v128)
    (local $bytes v128) (local $lowHalf v128) (local $highHalf v128) (local $steps v128)
    (local.set $highs (f32x4.splat (local.get $high)))
    (local.set $lows (f32x4.splat (local.get $low)))
    (local.set $zeroPoints (i32x4.splat (local.get $zeroPoint)))
    (local.set $flipBytes (i8x16.splat (local.get $flip)))
    (local.set $end (i32.add (local.get $values) (i32.shl (local.get $count) (i32.const 2))))
    (block $done
      (loop $step
        (br_if $done (i32.ge_u (local.get $values) (local.get $end)))
        (local.set $bytes (v128.xor (v128.load (local.get $codes)) (local.get $flipBytes)))
        (local.set $lowHalf (i16x8.extend_low_i8x16_s (local.get $bytes)))
        (local.set $highHalf (i16x8.extend_high_i8x16_s (local.get $bytes)))
        (local.set $steps (f32x4.convert_i32x4_s (i32x4.sub (i32x4.extend_low_i16x8_s (local.get $lowHalf)) (local.get $zeroPoints))))
        (v128.store offset=0 (local.get $values) (f32x4.add (f32x4.mul (local.get $steps) (local.get $highs)) (f32x4.mul (local.get $steps) (local.get $lows))))
        (local.set $steps (f32x4.convert_i32x4_s (i32x4.sub (i32x4.extend_high_i16x8_s (local.get $lowHalf)) (local.get $zeroPoints))))
        (v128.store offset=16 (local.get $values) (f32x4.add (f32x4.mul (local.get $steps) (local.get $highs)) (f32x4.mul (local.get $steps) (local.get $lows))))
        (local.set $steps (f32x4.convert_i32x4_s (i32x4.sub (i32x4.extend_low_i16x8_s (local.get $highHalf)) (local.get $zeroPoints))))
        (v128.store offset=32 (local.get $values) (f32x4.add (f32x4.mul (local.get $steps) (local.get $highs)) (f32x4.mul (local.get $steps) (local.get $lows))))
        (local.set $steps (f32x4.convert_i32x4_s (i32x4.sub (i32x4.extend_high_i16x8_s (local.get $highHalf)) (local.get $zeroPoints))))
        (v128.store offset=48 (local.get $values) (f32x4.add (f32x4.mul (local.get $steps) (local.get $highs)) (f32x4.mul (local.get $steps) (local.get $lows))))
        (local.set $codes (i32.add (local.get $codes) (i32.const 16)))
        (local.set $values (i32.add (local.get $values) (i32.const 64)))
        (br $step))))

  ;; ---- codebooks ----

  ;; centroids[code] for `count` one-byte codes below 16: `planes` holds byte k of every
  ;; centroid's float32 bits at planes + 16k, so four swizzles look up 16 codes and shuffles
  ;; interleave the bytes back into floats.
  (func (export "lookup16") (param $codes i32) (param $values i32) (param $count i32) (param $planes i32)
    (local $end i32) (local $indices v128)
    (local $plane0 v128) (local $plane1 v128) (local $plane2 v128) (local $plane3 v128)
    (local $byte0 v128) (local $byte1 v128) (local $byte2 v128) (local $byte3 v128)
    (local $low01 v128) (local $high01 v128) (local $low23 v128) (local $high23 v128)
    (local.set $plane0 (v128.load offset=0 (local.get $planes)))
    (local.set $plane1 (v128.load offset=16 (local.get $planes)))
    (local.set $plane2 (v128.load offset=32 (local.get $planes)))
    (local.set $plane3 (v128.load offset=48 (local.get $planes)))
    (local.set $end (i32.add (local.get $values) (i32.shl (local.get $count) (i32.const 2))))
    (block $done
      (loop $step
        (br_if $done (i32.ge_u (local.get $values) (local.get $end)))
        (local.set $indices (v128.load (local.get $codes)))
        (local.set $byte0 (i8x16.swizzle (local.get $plane0) (local.get $indices)))
        (local.set $byte1 (i8x16.swizzle (local.get $plane1) (local.get $indices)))
        (local.set $byte2 (i8x16.swizzle (local.get $plane2) (local.get $indices)))
        (local.set $byte3 (i8x16.swizzle (local.get $plane3) (local.get $indices)))
        (local.set $low01 (i8x16.shuffle 0 16 1 17 2 18 3 19 4 20 5 21 6 22 7 23 (local.get $byte0) (local.get $byte1)))
        (local.set $high01 (i8x16.shuffle 8 24 9 25 10 26 11 27 12 28 13 29 14 30 15 31 (local.get $byte0) (local.get $byte1)))
        (local.set $low23 (i8x16.shuffle 0 16 1 17 2 18 3 19 4 20 5 21 6 22 7 23 (local.get $byte2) (local.get $byte3)))
        (local.set $high23 (i8x16.shuffle 8 24 9 25 10 26 11 27 12 28 13 29 14 30 15 31 (local.get $byte2) (local.get $byte3)))
        (v128.store offset=0 (local.get $values)
          (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (local.get $low01) (local.get $low23)))
        (v128.store offset=16 (local.get $values)
          (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (local.get $low01) (local.get $low23)))
        (v128.store offset=32 (local.get $values)
          (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (local.get $high01) (local.get $high23)))
        (v128.store offset=48 (local.get $values)
          (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (local.get $high01) (local.get $high23)))
        (local.set $codes (i32.add (local.get $codes) (i32.const 16)))
        (local.set $values (i32.add (local.get $values) (i32.const 64)))
        (br $step))))

  ;; centroids[code] for `count` one-byte codes (codebooks of more than 16 entries), 8 per step:
  ;; four table offsets come out of each 32-bit load of four codes.
  (func (export "lookupBytes") (param $codes i32) (param $values i32) (param $count i32) (param $table i32)
    (local $end i32) (local $word i32)
    (local.set $end (i32.add (local.get $values) (i32.shl (local.get $count) (i32.const 2))))
    (block $done
      (loop $step
        (br_if $done (i32.ge_u (local.get $values) (local.get $end)))
        (local.set $word (i32.load offset=0 (local.get $codes)))
        (i32.store offset=0 (local.get $values) (i32.load (i32.add (local.get $table) (i32.shl (i32.and (local.get $word) (i32.const 255)) (i32.const 2)))))
        (i32.store offset=4 (local.get $values) (i32.load (i32.add (local.get $table) (i32.and (i32.shr_u (local.get $word) (i32.const 6)) (i32.const 1020)))))
        (i32.store offset=8 (local.get $values) (i32.load (i32.add (local.get $table) (i32.and (i32.shr_u (local.get $word) (i32.const 14)) (i32.const 1020)))))
        (i32.store offset=12 (local.get $values) (i32.load (i32.add (local.get $table) (i32.and (i32.shr_u (local.get $word) (i32.const 22)) (i32.const 1020)))))
        (local.set $word (i32.load offset=4 (local.get $codes)))
        (i32.store offset=16 (local.get $values) (i32.load (i32.add (local.get $table) (i32.shl (i32.and (local.get $word) (i32.const 255)) (i32.const 2)))))
        (i32.store offset=20 (local.get $values) (i32.load (i32.add (local.get $table) (i32.and (i32.shr_u (local.get $word) (i32.const 6)) (i32.const 1020)))))
        (i32.store offset=24 (local.get $values) (i32.load (i32.add (local.get $table) (i32.and (i32.shr_u (local.get $word) (i32.const 14)) (i32.const 1020)))))
        (i32.store offset=28 (local.get $values) (i32.load (i32.add (local.get $table) (i32.and (i32.shr_u (local.get $word) (i32.const 22)) (i32.const 1020)))))
        (local.set $codes (i32.add (local.get $codes) (i32.const 8)))
        (local.set $values (i32.add (local.get $values) (i32.const 32)))
        (br $step))))

  ;; centroids[code] for `count` int32 codes, one at a time (16-bit indices).
  (func (export "lookup") (param $codes i32) (param $values i32) (param $count i32) (param $table i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $values) (i32.shl (local.get $count) (i32.const 2))))
    (block $done
      (loop $step
        (br_if $done (i32.ge_u (local.get $values) (local.get $end)))
        (i32.store (local.get $values)
          (i32.load (i32.add (local.get $table) (i32.shl (i32.load (local.get $codes)) (i32.const 2)))))
        (local.set $codes (i32.add (local.get $codes) (i32.const 4)))
        (local.set $values (i32.add (local.get $values) (i32.const 4)))
        (br $step))))

  ;; ---- 16-bit floats ----

  ;; `count` float16 bit patterns at `source` to float32 at `target`, 8 per step.
  (func (export "halfToFloat") (param $source i32) (param $target i32) (param $count i32)
    (local $end i32) (local $words v128) (local $halves v128) (local $magnitude v128) (local $shifted v128)
    (local.set $end (i32.add (local.get $target) (i32.shl (local.get $count) (i32.const 2))))
    (block $done
      (loop $step
        (br_if $done (i32.ge_u (local.get $target) (local.get $end)))
        (local.set $words (v128.load (local.get $source)))
        (local.set $halves (i32x4.extend_low_i16x8_u (local.get $words)))
        (local.set $magnitude (v128.and (local.get $halves) (v128.const i32x4 0x7fff 0x7fff 0x7fff 0x7fff)))
        (local.set $shifted (i32x4.shl (local.get $magnitude) (i32.const 13)))
        (v128.store offset=0 (local.get $target)
          (v128.or
            (i32x4.shl (v128.and (local.get $halves) (v128.const i32x4 0x8000 0x8000 0x8000 0x8000)) (i32.const 16))
            (v128.bitselect
              ;; infinity and NaN: all-ones exponent, the mantissa bits kept
              (v128.or (local.get $shifted) (v128.const i32x4 0x7f800000 0x7f800000 0x7f800000 0x7f800000))
              ;; normal and subnormal: rebias the exponent by a multiply with 2^112 (exact)
              (f32x4.mul (local.get $shifted) (v128.const f32x4 0x1p112 0x1p112 0x1p112 0x1p112))
              (i32x4.ge_u (local.get $magnitude) (v128.const i32x4 0x7c00 0x7c00 0x7c00 0x7c00)))))
        (local.set $halves (i32x4.extend_high_i16x8_u (local.get $words)))
        (local.set $magnitude (v128.and (local.get $halves) (v128.const i32x4 0x7fff 0x7fff 0x7fff 0x7fff)))
        (local.set $shifted (i32x4.shl (local.get $magnitude) (i32.const 13)))
        (v128.store offset=16 (local.get $target)
          (v128.or
            (i32x4.shl (v128.and (local.get $halves) (v128.const i32x4 0x8000 0x8000 0x8000 0x8000)) (i32.const 16))
            (v128.bitselect
              ;; infinity and NaN: all-ones exponent, the mantissa bits kept
              (v128.or (local.get $shifted) (v128.const i32x4 0x7f800000 0x7f800000 0x7f800000 0x7f800000))
              ;; normal and subnormal: rebias the exponent by a multiply with 2^112 (exact)
              (f32x4.mul (local.get $shifted) (v128.const f32x4 0x1p112 0x1p112 0x1p112 0x1p112))
              (i32x4.ge_u (local.get $magnitude) (v128.const i32x4 0x7c00 0x7c00 0x7c00 0x7c00)))))
        (local.set $source (i32.add (local.get $source) (i32.const 16)))
        (local.set $target (i32.add (local.get $target) (i32.const 32)))
        (br $step))))

  ;; `count` bfloat16 bit patterns at `source` to float32 at `target` (the high half of each word).
  (func (export "bfloatToFloat") (param $source i32) (param $target i32) (param $count i32)
    (local $end i32) (local $words v128)
    (local.set $end (i32.add (local.get $target) (i32.shl (local.get $count) (i32.const 2))))
    (block $done
      (loop $step
        (br_if $done (i32.ge_u (local.get $target) (local.get $end)))
        (local.set $words (v128.load (local.get $source)))
        (v128.store offset=0 (local.get $target)
          (i8x16.shuffle 16 16 0 1 16 16 2 3 16 16 4 5 16 16 6 7 (local.get $words) (v128.const i32x4 0 0 0 0)))
        (v128.store offset=16 (local.get $target)
          (i8x16.shuffle 16 16 8 9 16 16 10 11 16 16 12 13 16 16 14 15 (local.get $words) (v128.const i32x4 0 0 0 0)))
        (local.set $source (i32.add (local.get $source) (i32.const 16)))
        (local.set $target (i32.add (local.get $target) (i32.const 32)))
        (br $step)))))
