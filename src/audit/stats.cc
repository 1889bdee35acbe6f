#include "audit/stats.h"

#include <cmath>
#include <cstring>

namespace dokja::audit {

double NormalLog10Upper(double z) {
  if (z < 37.0) {
    // erfc is accurate and representable here (Q(37) ~ 1e-300); P = erfc(z / sqrt 2) / 2.
    const double p = 0.5 * std::erfc(z / std::sqrt(2.0));
    return std::log10(p);
  }
  // Mills ratio series: P = phi(z)/z * (1 - 1/z^2 + 3/z^4 - 15/z^6 + ...).
  const double z2 = z * z;
  const double series = 1.0 - 1.0 / z2 + 3.0 / (z2 * z2) - 15.0 / (z2 * z2 * z2);
  const double ln_p = -0.5 * z2 - std::log(z) - 0.5 * std::log(2.0 * M_PI) + std::log(series);
  return ln_p / std::log(10.0);
}

double StoufferZ(std::span<const double> z) {
  if (z.empty()) return 0.0;
  double s = 0;
  for (double v : z) s += v;
  return s / std::sqrt(static_cast<double>(z.size()));
}

double BonferroniLog10(double log10_p, uint64_t m) {
  if (m == 0) return log10_p;
  const double out = log10_p + std::log10(static_cast<double>(m));
  return out > 0 ? 0 : out;
}

void PairedMoments::Add(const float* a, const float* b, uint64_t n) {
  double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0, saab = 0, sabb = 0, saabb = 0;
  bool same = identical_;
  uint64_t used = 0;
  for (uint64_t i = 0; i < n; ++i) {
    const double x = a[i], y = b[i];
    same = same && (a[i] == b[i] || (std::isnan(a[i]) && std::isnan(b[i])));
    if (!std::isfinite(x) || !std::isfinite(y)) {
      ++n_nonfinite_;
      continue;
    }
    ++used;
    sa += x;
    sb += y;
    saa += x * x;
    sbb += y * y;
    sab += x * y;
    saab += x * x * y;
    sabb += x * y * y;
    saabb += x * x * y * y;
  }
  identical_ = same;
  n_ += used;
  sa_ += sa;
  sb_ += sb;
  saa_ += saa;
  sbb_ += sbb;
  sab_ += sab;
  saab_ += saab;
  sabb_ += sabb;
  saabb_ += saabb;
}

double PairedMoments::VarA() const {
  if (n_ == 0) return 0;
  const double m = sa_ / static_cast<double>(n_);
  return std::max(0.0, saa_ / static_cast<double>(n_) - m * m);
}

double PairedMoments::VarB() const {
  if (n_ == 0) return 0;
  const double m = sb_ / static_cast<double>(n_);
  return std::max(0.0, sbb_ / static_cast<double>(n_) - m * m);
}

double PairedMoments::T() const {
  if (n_ < 2) return 0;
  const double n = static_cast<double>(n_);
  const double ma = sa_ / n, mb = sb_ / n;
  // sum of x = (a - ma)(b - mb) and of x^2, expanded into the raw sums.
  const double sx = sab_ - n * ma * mb;
  const double sxx = saabb_ - 2 * mb * saab_ + mb * mb * saa_ - 2 * ma * sabb_ +
                     4 * ma * mb * sab_ - 2 * ma * mb * mb * sa_ + ma * ma * sbb_ -
                     2 * ma * ma * mb * sb_ + n * ma * ma * mb * mb;
  // Degenerate sides (constant tensors, e.g. gains folded to 1) carry no evidence.
  if (!(sxx > 1e-300) || VarA() <= 0 || VarB() <= 0) return 0;
  return sx / std::sqrt(sxx);
}

double PairedMoments::Cosine() const {
  if (saa_ <= 0 || sbb_ <= 0) return 0;
  return sab_ / std::sqrt(saa_ * sbb_);
}

double PairedMoments::Pearson() const {
  const double va = VarA(), vb = VarB();
  if (n_ < 2 || va <= 0 || vb <= 0) return 0;
  const double n = static_cast<double>(n_);
  const double cov = sab_ / n - (sa_ / n) * (sb_ / n);
  return cov / std::sqrt(va * vb);
}

}  // namespace dokja::audit
