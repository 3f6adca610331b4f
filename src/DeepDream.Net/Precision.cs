namespace DeepDream;

/// <summary>
/// The number format the network computes in: its weights, activations and their gradients. The image, the octave
/// pyramid, the step rule (mean |g|) and the update always stay float32, and feature extractors hand out float32
/// activations either way.
/// </summary>
public enum Precision
{
    /// <summary>IEEE single precision: the default, bit-identical from run to run for a fixed seed on the CPU.</summary>
    Float32 = 0,

    /// <summary>
    /// bfloat16 (8 exponent bits like float32, 8 significant bits): about 0.6× of float32's time where the CPU has native
    /// bfloat16 arithmetic (AVX512-BF16 or AMX on x86, BF16 on ARM; measured 0.59× at 451×300 and 0.53× at 1920×1080 on
    /// AVX512-BF16, less on small images; GPUs with bfloat16 units are expected to gain too, untested), and half the
    /// activation memory. Dreams keep
    /// their character but differ in detail from float32 ones, as a dream with another seed does. Without native
    /// support the arithmetic is emulated and much slower (a warning is logged).
    /// </summary>
    BFloat16 = 1,
}
