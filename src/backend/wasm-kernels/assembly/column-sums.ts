/**
 * Per-column reductions of row-major [rows, cols] float32 matrices: the sums behind bias gradients
 * and batch normalisation, where a [N,H,W,C] tensor is a [N·H·W, C] matrix.
 *
 * Each block of BLOCK rows is summed in float32 with SIMD into `partial` (scratch of 2·cols
 * floats), then added to float64 totals: float32 over 32 values loses about 1e-6, and float64
 * over the blocks keeps a five-million-row sum as exact as its inputs.
 *
 * `su` and `sv` point at one float32 per column subtracted before summing (a mean, for centred
 * moments without the cancellation of E[x²] − mean²; zeros for plain sums).
 */
const BLOCK = 32;

/** total[c] += Σ_r (u[r,c] − su[c]) */
export function columnSums(u: usize, su: usize, rows: i32, cols: i32, partial: usize, total: usize): void {
  const rowBytes = (<usize>cols) << 2;
  for (let r0 = 0; r0 < rows; r0 += BLOCK) {
    const r1 = min(rows, r0 + BLOCK);
    memory.fill(partial, 0, rowBytes);
    let pu = u + <usize>r0 * rowBytes;
    if ((cols & 3) == 0) {
      for (let r = r0; r < r1; r++, pu += rowBytes) {
        for (let c: usize = 0; c < rowBytes; c += 16) {
          v128.store(partial + c, f32x4.add(v128.load(partial + c), f32x4.sub(v128.load(pu + c), v128.load(su + c))));
        }
      }
    } else {
      for (let r = r0; r < r1; r++, pu += rowBytes) {
        for (let c: usize = 0; c < rowBytes; c += 4) {
          store<f32>(partial + c, load<f32>(partial + c) + (load<f32>(pu + c) - load<f32>(su + c)));
        }
      }
    }
    addToTotals(partial, total, cols);
  }
}

/** totalA[c] += Σ_r (u[r,c] − su[c]);  totalB[c] += Σ_r (u[r,c] − su[c])·(v[r,c] − sv[c]) */
export function columnDots(u: usize, su: usize, v: usize, sv: usize, rows: i32, cols: i32, partial: usize, totalA: usize, totalB: usize): void {
  const rowBytes = (<usize>cols) << 2;
  const pa = partial;
  const pb = partial + rowBytes;
  for (let r0 = 0; r0 < rows; r0 += BLOCK) {
    const r1 = min(rows, r0 + BLOCK);
    memory.fill(partial, 0, rowBytes << 1);
    let pu = u + <usize>r0 * rowBytes;
    let pv = v + <usize>r0 * rowBytes;
    if ((cols & 3) == 0) {
      for (let r = r0; r < r1; r++, pu += rowBytes, pv += rowBytes) {
        for (let c: usize = 0; c < rowBytes; c += 16) {
          const du = f32x4.sub(v128.load(pu + c), v128.load(su + c));
          const dv = f32x4.sub(v128.load(pv + c), v128.load(sv + c));
          v128.store(pa + c, f32x4.add(v128.load(pa + c), du));
          v128.store(pb + c, f32x4.add(v128.load(pb + c), f32x4.mul(du, dv)));
        }
      }
    } else {
      for (let r = r0; r < r1; r++, pu += rowBytes, pv += rowBytes) {
        for (let c: usize = 0; c < rowBytes; c += 4) {
          const du = load<f32>(pu + c) - load<f32>(su + c);
          const dv = load<f32>(pv + c) - load<f32>(sv + c);
          store<f32>(pa + c, load<f32>(pa + c) + du);
          store<f32>(pb + c, load<f32>(pb + c) + du * dv);
        }
      }
    }
    addToTotals(pa, totalA, cols);
    addToTotals(pb, totalB, cols);
  }
}

function addToTotals(partial: usize, total: usize, cols: i32): void {
  for (let c = 0; c < cols; c++) {
    const t = total + ((<usize>c) << 3);
    store<f64>(t, load<f64>(t) + <f64>load<f32>(partial + ((<usize>c) << 2)));
  }
}
