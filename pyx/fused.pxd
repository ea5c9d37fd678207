# Shared fused type: one kernel source for float32 and float64.
ctypedef fused floating:
    float
    double
