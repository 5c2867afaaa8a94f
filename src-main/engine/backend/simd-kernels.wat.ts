/**
 * WebAssembly text of the engine's own SIMD kernels (compiled once by wabt, see simd-kernels.ts).
 *
 * Why: tfjs-backend-wasm 4.22 sends a matMul to XNNPACK only when it is 2-D without transpose flags;
 * every batched matMul (attention scores and context, per-example LoRA) runs a scalar naive loop at
 * ~0.6 GFLOP/s and needs explicit transposes around it (environment.md §3a). This module reads and
 * writes the tfjs heap directly (it imports tfjs's own memory), so a kernel takes any element strides:
 * the attention matMuls read q/k/v in their projection layout (B, T, H, Dk) and write the context
 * straight into the merged-heads layout, with no transpose at all, forward or backward.
 *
 * `mm`: for every (x, y) of an (nb, nh) grid of 2-D problems,
 *   C[i, j] = Σ_p A[i, p] · B[p, j]   (m × k) · (k × n), all strides in BYTES.
 * Three inner kernels, chosen per problem by its strides:
 *   - `nn`: B and C contiguous along j → 4-lane SIMD over j (8 columns per pass, then 4, then scalars);
 *   - `nt`: A and B contiguous along p → SIMD dot products over p (4 at a time, then scalars);
 *   - `scalar`: anything else.
 * `accumulate` = 0 overwrites C; 1 adds to it. The caller tiles large problems over k and n (so that a
 * tile of B stays in the 32 KiB L1 cache while every row of A passes over it) and accumulates the
 * k-tiles after the first.
 */
export const SIMD_KERNELS_WAT = String.raw`
(module
  (import "env" "memory" (memory 0))

  (func $nn (param $a i32) (param $b i32) (param $c i32) (param $m i32) (param $n i32) (param $k i32)
            (param $aI i32) (param $aP i32) (param $bP i32) (param $cI i32) (param $accumulate i32)
    (local $i i32) (local $j i32) (local $p i32) (local $ap i32) (local $bp i32) (local $cp i32)
    (local $acc0 v128) (local $acc1 v128) (local $av v128) (local $s f32)
    (block $rows_done (loop $rows
      (br_if $rows_done (i32.ge_u (local.get $i) (local.get $m)))
      (local.set $j (i32.const 0))
      ;; 8 columns per pass
      (block $w8_done (loop $w8
        (br_if $w8_done (i32.gt_u (i32.add (local.get $j) (i32.const 8)) (local.get $n)))
        (local.set $cp (i32.add (i32.add (local.get $c) (i32.mul (local.get $i) (local.get $cI))) (i32.shl (local.get $j) (i32.const 2))))
        (local.set $acc0 (v128.const i32x4 0 0 0 0))
        (local.set $acc1 (v128.const i32x4 0 0 0 0))
        (if (local.get $accumulate) (then
          (local.set $acc0 (v128.load (local.get $cp)))
          (local.set $acc1 (v128.load offset=16 (local.get $cp)))))
        (local.set $ap (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $aI))))
        (local.set $bp (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 2))))
        (local.set $p (local.get $k))
        (block $p_done (loop $ps
          (br_if $p_done (i32.eqz (local.get $p)))
          (local.set $av (f32x4.splat (f32.load (local.get $ap))))
          (local.set $acc0 (f32x4.add (local.get $acc0) (f32x4.mul (local.get $av) (v128.load (local.get $bp)))))
          (local.set $acc1 (f32x4.add (local.get $acc1) (f32x4.mul (local.get $av) (v128.load offset=16 (local.get $bp)))))
          (local.set $ap (i32.add (local.get $ap) (local.get $aP)))
          (local.set $bp (i32.add (local.get $bp) (local.get $bP)))
          (local.set $p (i32.sub (local.get $p) (i32.const 1)))
          (br $ps)))
        (v128.store (local.get $cp) (local.get $acc0))
        (v128.store offset=16 (local.get $cp) (local.get $acc1))
        (local.set $j (i32.add (local.get $j) (i32.const 8)))
        (br $w8)))
      ;; 4 columns
      (if (i32.le_u (i32.add (local.get $j) (i32.const 4)) (local.get $n)) (then
        (local.set $cp (i32.add (i32.add (local.get $c) (i32.mul (local.get $i) (local.get $cI))) (i32.shl (local.get $j) (i32.const 2))))
        (local.set $acc0 (v128.const i32x4 0 0 0 0))
        (if (local.get $accumulate) (then (local.set $acc0 (v128.load (local.get $cp)))))
        (local.set $ap (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $aI))))
        (local.set $bp (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 2))))
        (local.set $p (local.get $k))
        (block $p_done (loop $ps
          (br_if $p_done (i32.eqz (local.get $p)))
          (local.set $acc0 (f32x4.add (local.get $acc0) (f32x4.mul (f32x4.splat (f32.load (local.get $ap))) (v128.load (local.get $bp)))))
          (local.set $ap (i32.add (local.get $ap) (local.get $aP)))
          (local.set $bp (i32.add (local.get $bp) (local.get $bP)))
          (local.set $p (i32.sub (local.get $p) (i32.const 1)))
          (br $ps)))
        (v128.store (local.get $cp) (local.get $acc0))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))))
      ;; remaining columns one by one
      (block $w1_done (loop $w1
        (br_if $w1_done (i32.ge_u (local.get $j) (local.get $n)))
        (local.set $cp (i32.add (i32.add (local.get $c) (i32.mul (local.get $i) (local.get $cI))) (i32.shl (local.get $j) (i32.const 2))))
        (local.set $s (f32.const 0))
        (if (local.get $accumulate) (then (local.set $s (f32.load (local.get $cp)))))
        (local.set $ap (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $aI))))
        (local.set $bp (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 2))))
        (local.set $p (local.get $k))
        (block $p_done (loop $ps
          (br_if $p_done (i32.eqz (local.get $p)))
          (local.set $s (f32.add (local.get $s) (f32.mul (f32.load (local.get $ap)) (f32.load (local.get $bp)))))
          (local.set $ap (i32.add (local.get $ap) (local.get $aP)))
          (local.set $bp (i32.add (local.get $bp) (local.get $bP)))
          (local.set $p (i32.sub (local.get $p) (i32.const 1)))
          (br $ps)))
        (f32.store (local.get $cp) (local.get $s))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $w1)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $rows)))
  )

  (func $nt (param $a i32) (param $b i32) (param $c i32) (param $m i32) (param $n i32) (param $k i32)
            (param $aI i32) (param $bJ i32) (param $cI i32) (param $cJ i32) (param $accumulate i32)
    (local $i i32) (local $j i32) (local $p i32) (local $ap i32) (local $bp i32) (local $cp i32) (local $acc v128) (local $s f32)
    (block $rows_done (loop $rows
      (br_if $rows_done (i32.ge_u (local.get $i) (local.get $m)))
      (local.set $j (i32.const 0))
      (block $cols_done (loop $cols
        (br_if $cols_done (i32.ge_u (local.get $j) (local.get $n)))
        (local.set $acc (v128.const i32x4 0 0 0 0))
        (local.set $ap (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $aI))))
        (local.set $bp (i32.add (local.get $b) (i32.mul (local.get $j) (local.get $bJ))))
        (local.set $p (local.get $k))
        (block $p4_done (loop $p4
          (br_if $p4_done (i32.lt_u (local.get $p) (i32.const 4)))
          (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (v128.load (local.get $ap)) (v128.load (local.get $bp)))))
          (local.set $ap (i32.add (local.get $ap) (i32.const 16)))
          (local.set $bp (i32.add (local.get $bp) (i32.const 16)))
          (local.set $p (i32.sub (local.get $p) (i32.const 4)))
          (br $p4)))
        (local.set $s (f32.add
          (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc)))
          (f32.add (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc)))))
        (local.set $cp (i32.add (i32.add (local.get $c) (i32.mul (local.get $i) (local.get $cI))) (i32.mul (local.get $j) (local.get $cJ))))
        (if (local.get $accumulate) (then (local.set $s (f32.add (local.get $s) (f32.load (local.get $cp))))))
        (block $p1_done (loop $p1
          (br_if $p1_done (i32.eqz (local.get $p)))
          (local.set $s (f32.add (local.get $s) (f32.mul (f32.load (local.get $ap)) (f32.load (local.get $bp)))))
          (local.set $ap (i32.add (local.get $ap) (i32.const 4)))
          (local.set $bp (i32.add (local.get $bp) (i32.const 4)))
          (local.set $p (i32.sub (local.get $p) (i32.const 1)))
          (br $p1)))
        (f32.store (local.get $cp) (local.get $s))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $cols)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $rows)))
  )

  (func $scalar (param $a i32) (param $b i32) (param $c i32) (param $m i32) (param $n i32) (param $k i32)
                (param $aI i32) (param $aP i32) (param $bP i32) (param $bJ i32) (param $cI i32) (param $cJ i32) (param $accumulate i32)
    (local $i i32) (local $j i32) (local $p i32) (local $ap i32) (local $bp i32) (local $cp i32) (local $s f32)
    (block $rows_done (loop $rows
      (br_if $rows_done (i32.ge_u (local.get $i) (local.get $m)))
      (local.set $j (i32.const 0))
      (block $cols_done (loop $cols
        (br_if $cols_done (i32.ge_u (local.get $j) (local.get $n)))
        (local.set $cp (i32.add (i32.add (local.get $c) (i32.mul (local.get $i) (local.get $cI))) (i32.mul (local.get $j) (local.get $cJ))))
        (local.set $s (f32.const 0))
        (if (local.get $accumulate) (then (local.set $s (f32.load (local.get $cp)))))
        (local.set $ap (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $aI))))
        (local.set $bp (i32.add (local.get $b) (i32.mul (local.get $j) (local.get $bJ))))
        (local.set $p (local.get $k))
        (block $p_done (loop $ps
          (br_if $p_done (i32.eqz (local.get $p)))
          (local.set $s (f32.add (local.get $s) (f32.mul (f32.load (local.get $ap)) (f32.load (local.get $bp)))))
          (local.set $ap (i32.add (local.get $ap) (local.get $aP)))
          (local.set $bp (i32.add (local.get $bp) (local.get $bP)))
          (local.set $p (i32.sub (local.get $p) (i32.const 1)))
          (br $ps)))
        (f32.store (local.get $cp) (local.get $s))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $cols)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $rows)))
  )

  (func (export "mm")
    (param $a i32) (param $b i32) (param $c i32) (param $nb i32) (param $nh i32) (param $m i32) (param $n i32) (param $k i32)
    (param $aB i32) (param $aH i32) (param $aI i32) (param $aP i32)
    (param $bB i32) (param $bH i32) (param $bP i32) (param $bJ i32)
    (param $cB i32) (param $cH i32) (param $cI i32) (param $cJ i32) (param $accumulate i32)
    (local $x i32) (local $y i32) (local $pa i32) (local $pb i32) (local $pc i32)
    (block $x_done (loop $xs
      (br_if $x_done (i32.ge_u (local.get $x) (local.get $nb)))
      (local.set $y (i32.const 0))
      (block $y_done (loop $ys
        (br_if $y_done (i32.ge_u (local.get $y) (local.get $nh)))
        (local.set $pa (i32.add (local.get $a) (i32.add (i32.mul (local.get $x) (local.get $aB)) (i32.mul (local.get $y) (local.get $aH)))))
        (local.set $pb (i32.add (local.get $b) (i32.add (i32.mul (local.get $x) (local.get $bB)) (i32.mul (local.get $y) (local.get $bH)))))
        (local.set $pc (i32.add (local.get $c) (i32.add (i32.mul (local.get $x) (local.get $cB)) (i32.mul (local.get $y) (local.get $cH)))))
        (if (i32.and (i32.eq (local.get $bJ) (i32.const 4)) (i32.eq (local.get $cJ) (i32.const 4)))
          (then (call $nn (local.get $pa) (local.get $pb) (local.get $pc) (local.get $m) (local.get $n) (local.get $k)
                          (local.get $aI) (local.get $aP) (local.get $bP) (local.get $cI) (local.get $accumulate)))
          (else (if (i32.and (i32.eq (local.get $aP) (i32.const 4)) (i32.eq (local.get $bP) (i32.const 4)))
            (then (call $nt (local.get $pa) (local.get $pb) (local.get $pc) (local.get $m) (local.get $n) (local.get $k)
                            (local.get $aI) (local.get $bJ) (local.get $cI) (local.get $cJ) (local.get $accumulate)))
            (else (call $scalar (local.get $pa) (local.get $pb) (local.get $pc) (local.get $m) (local.get $n) (local.get $k)
                                (local.get $aI) (local.get $aP) (local.get $bP) (local.get $bJ) (local.get $cI) (local.get $cJ) (local.get $accumulate))))))
        (local.set $y (i32.add (local.get $y) (i32.const 1)))
        (br $ys)))
      (local.set $x (i32.add (local.get $x) (i32.const 1)))
      (br $xs)))
  )
)
`
