using static TorchSharp.torch;

namespace DeepDream.Performance;

/// <summary>
/// How a network's tensors are stored while it computes: the number type (float32 or bfloat16) and whether 4-D tensors
/// are channels-last (NHWC memory order with the usual N×C×H×W shape, which oneDNN convolves without reordering). Both
/// extractors convert their weights once with <see cref="Weight"/>, their input every call with <see cref="Input"/>,
/// and hand activations out with <see cref="Output"/>: float32 in the usual contiguous layout, whatever the format.
/// </summary>
/// <param name="Type">The floating-point type of weights and activations.</param>
/// <param name="ChannelsLast">Whether 4-D weights and activations are stored channels-last.</param>
internal sealed record ComputeFormat(ScalarType Type, bool ChannelsLast)
{
    /// <summary>The format for a precision and memory order.</summary>
    public static ComputeFormat For(Precision precision, bool channelsLast) => new(precision.ScalarType(), channelsLast);

    /// <summary>The precision of <see cref="Type"/>.</summary>
    public Precision Precision => Type == ScalarType.BFloat16 ? Precision.BFloat16 : Precision.Float32;

    /// <summary>
    /// The network's input: <paramref name="x"/> in this type and memory order, made in one copy that autograd tracks (so
    /// the gradient arrives back in <paramref name="x"/>'s own type), or <paramref name="x"/> itself when it already fits.
    /// </summary>
    public Tensor Input(Tensor x)
    {
        var strides = StridesFor(x);
        if (x.dtype == Type && (strides is null || x.stride().AsSpan().SequenceEqual(strides))) return x;
        return Allocate(x.shape, strides, Type, x.device).copy_(x);
    }

    /// <summary>A weight or other load-time constant in this format: a new tensor (channels-last when 4-D and asked for).</summary>
    public Tensor Weight(Tensor w)
    {
        if (!w.is_floating_point()) return w.alias();
        return Allocate(w.shape, StridesFor(w), Type, w.device).copy_(w);
    }

    /// <summary>
    /// An activation as extractors hand it out: float32 and contiguous (N×C×H×W order), made in one copy that autograd
    /// tracks. When it already is, the activation itself is returned, or a copy when <paramref name="copy"/> is set (for
    /// activations the network may still change in place).
    /// </summary>
    public static Tensor Output(Tensor activation, bool copy)
    {
        if (activation.dtype == ScalarType.Float32 && activation.is_contiguous()) return copy ? activation.clone() : activation;
        if (!activation.is_floating_point()) return copy ? activation.clone() : activation;
        return empty(activation.shape, ScalarType.Float32, activation.device).copy_(activation);
    }

    private long[]? StridesFor(Tensor t) => ChannelsLast && t.dim() == 4 ? ChannelsLastStrides(t.shape) : null;

    private static Tensor Allocate(long[] shape, long[]? strides, ScalarType type, Device device) =>
        strides is null ? empty(shape, type, device) : empty_strided(shape, strides, type, device);

    /// <summary>The strides of an N×C×H×W tensor stored in NHWC order.</summary>
    public static long[] ChannelsLastStrides(long[] shape) =>
        [shape[1] * shape[2] * shape[3], 1, shape[1] * shape[3], shape[1]];
}
