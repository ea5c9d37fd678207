/* Branch-free "keep g where y > 0, else +0": a bit mask instead of a branch, so the
   loop vectorises (ReLU backward on random signs is branch-mispredict bound) and a
   NaN gradient where y <= 0 still becomes 0, as in PyTorch's threshold_backward. */
#include <stdint.h>
#include <string.h>

static inline float cynn_keep_if_positive_f(float y, float g) {
    uint32_t bits, mask = (uint32_t)0 - (uint32_t)(y > 0.0f);
    memcpy(&bits, &g, sizeof bits);
    bits &= mask;
    memcpy(&g, &bits, sizeof g);
    return g;
}

static inline double cynn_keep_if_positive_d(double y, double g) {
    uint64_t bits, mask = (uint64_t)0 - (uint64_t)(y > 0.0);
    memcpy(&bits, &g, sizeof bits);
    bits &= mask;
    memcpy(&g, &bits, sizeof g);
    return g;
}
