// MACD reference loops in C, same operation order as the engines, to bound what the hardware
// allows. Usage: macd FILE N_REPEATS  (FILE: little-endian float64 closes). Prints JSON.
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static void first_close(const double *c, int n, double *dif, double *dea, double *hist) {
  const int fn = 12, sn = 26, gn = 9;
  double fast = c[0], slow = c[0], d = 0, e = 0;
  dif[0] = 0; dea[0] = 0; hist[0] = 2 * (d - e);
  for (int i = 1; i < n; i++) {
    double x = c[i];
    fast = (2 * x + (fn - 1) * fast) / (fn + 1);
    slow = (2 * x + (sn - 1) * slow) / (sn + 1);
    d = fast - slow;
    e = (2 * d + (gn - 1) * e) / (gn + 1);
    dif[i] = d; dea[i] = e; hist[i] = 2 * (d - e);
  }
}

static void sma_seed(const double *c, int n, double *dif, double *dea, double *hist) {
  const int fn = 12, sn = 26, gn = 9, fv = sn + gn - 2;
  const double kf = 2.0 / (fn + 1), ks = 2.0 / (sn + 1), kg = 2.0 / (gn + 1);
  double sum = 0;
  for (int i = 0; i < sn; i++) sum += c[i];
  double slow = sum / sn;
  sum = 0;
  for (int i = sn - fn; i < sn; i++) sum += c[i];
  double fast = sum / fn;
  dif[sn - 1] = fast - slow;
  for (int i = sn; i <= fv; i++) {
    double x = c[i];
    fast = (x - fast) * kf + fast; slow = (x - slow) * ks + slow; dif[i] = fast - slow;
  }
  sum = 0;
  for (int i = sn - 1; i <= fv; i++) sum += dif[i];
  double e = sum / gn;
  dea[fv] = e; hist[fv] = dif[fv] - e;
  for (int i = fv + 1; i < n; i++) {
    double x = c[i];
    fast = (x - fast) * kf + fast; slow = (x - slow) * ks + slow;
    double d = fast - slow;
    e = (d - e) * kg + e;
    dif[i] = d; dea[i] = e; hist[i] = d - e;
  }
}

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e9 + t.tv_nsec;
}

int main(int argc, char **argv) {
  if (argc < 3) return 2;
  FILE *f = fopen(argv[1], "rb");
  if (!f) return 1;
  fseek(f, 0, SEEK_END);
  int n = (int)(ftell(f) / 8);
  fseek(f, 0, SEEK_SET);
  int reps = atoi(argv[2]);
  // Three variants (as the JS benchmark): original, mirrored, rescaled.
  double *v[3];
  for (int k = 0; k < 3; k++) v[k] = malloc(sizeof(double) * n);
  if (fread(v[0], 8, n, f) != (size_t)n) return 1;
  double mx = 0;
  for (int i = 0; i < n; i++) if (v[0][i] > mx) mx = v[0][i];
  for (int i = 0; i < n; i++) { v[1][i] = mx + 1 - v[0][i]; v[2][i] = v[0][i] * 1.37; }
  double *dif = malloc(8 * n), *dea = malloc(8 * n), *hist = malloc(8 * n);
  double check = 0, t0, fc = 0, sm = 0;
  for (int r = 0; r < reps + 2; r++) {
    t0 = now();
    first_close(v[r % 3], n, dif, dea, hist);
    if (r >= 2) fc += now() - t0;
    check += hist[n - 1];
    t0 = now();
    sma_seed(v[r % 3], n, dif, dea, hist);
    if (r >= 2) sm += now() - t0;
    check += hist[n - 1];
  }
  printf("{\"n\":%d,\"first_close_ns_per_bar\":%.3f,\"sma_ns_per_bar\":%.3f,\"check\":%g}\n", n, fc / reps / n, sm / reps / n, check);
  return 0;
}
