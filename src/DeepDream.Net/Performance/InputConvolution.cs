using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DeepDream.Performance;

/// <summary>
/// The first convolution of a network, on the 3-channel image, with a fast gradient. Its forward pass is the ordinary
/// convolution; its input gradient, which oneDNN computes with a backward-data kernel that vectorises badly when the
/// convolution has only a few input channels (about 10 GFLOP/s for ResNet's 7×7 stride-2 stem on this CPU, a fifth of
/// a whole dream step), is computed as one forward convolution instead.
/// </summary>
/// <remarks>
/// For stride <c>s</c>, kernel <c>k</c> and padding <c>p</c> the transposed convolution splits into <c>s²</c> phases: the
/// input pixel <c>s·m + r − p</c> (per axis) receives <c>Σ_t W[s·t + r] · g[m − t]</c> for <c>t &lt; T = ⌈k/s⌉</c>. All
/// phases together are one stride-1 convolution of the output gradient with <c>C·s²</c> output channels and a flipped
/// <c>T×T</c> kernel (padding <c>T − 1</c>), followed by a depth-to-space (<c>pixel_shuffle(s)</c>) and a crop. For the
/// ResNet stem that is a 64→12-channel 4×4 convolution: the same values up to float rounding, about 4× faster.
/// </remarks>
internal static class InputConvolution
{
    /// <summary>Convolutions with at most this many input channels get the fast gradient.</summary>
    public const long MaxInputChannels = 4;

    /// <summary>Whether <see cref="Conv2d"/> takes the fast path for these arguments.</summary>
    public static bool Applies(Tensor x, Tensor weight, Tensor? bias, long[] stride, long[] dilation, long groups) =>
        x.requires_grad && is_grad_enabled() && !weight.requires_grad && (bias?.requires_grad ?? false) == false && weight.dim() == 4 && weight.shape[1] <= MaxInputChannels && groups == 1
        && dilation.All(d => d == 1) && stride.Length == 2 && stride[0] == stride[1] && stride[0] is >= 1 and <= 8
        && weight.shape[2] == weight.shape[3];

    /// <summary><c>conv2d</c>, with the fast input gradient where it applies.</summary>
    public static Tensor Conv2d(Tensor x, Tensor weight, Tensor? bias, long[] stride, long[] padding, long[] dilation, long groups) =>
        Applies(x, weight, bias, stride, dilation, groups) && padding.Length == 2
            ? FastGradientConvolution.apply(x, new Arguments(weight, bias, stride[0], padding))
            : F.conv2d(x, weight, bias, stride, padding, dilation, groups);

    /// <summary>
    /// The gradient with respect to the input of <c>conv2d(x, weight, stride, padding)</c>, for an input of
    /// <paramref name="height"/>×<paramref name="width"/>, as one forward convolution (see the remarks on the class).
    /// </summary>
    internal static Tensor InputGradient(Tensor outputGradient, Tensor weight, long stride, long[] padding, long height, long width)
    {
        using var scope = NewDisposeScope();
        long outChannels = weight.shape[0], inChannels = weight.shape[1], k = weight.shape[2];
        var taps = (k + stride - 1) / stride;
        var padded = F.pad(weight, [0, taps * stride - k, 0, taps * stride - k]);
        // [O, C, T, s, T, s] → flip t → [C, s, s, O, T, T] → [C·s², O, T, T]: channel c·s² + rh·s + rw is phase (rh, rw) of channel c.
        var phases = padded.reshape(outChannels, inChannels, taps, stride, taps, stride).flip(2, 4)
            .permute(1, 3, 5, 0, 2, 4).reshape(inChannels * stride * stride, outChannels, taps, taps);
        var all = F.conv2d(outputGradient, phases, padding: [taps - 1, taps - 1]);
        var full = stride == 1 ? all : F.pixel_shuffle(all, stride);
        var rows = Crop(full, 2, padding[0], height);
        return Crop(rows, 3, padding[1], width).MoveToOuterDisposeScope();
    }

    /// <summary>Positions <c>[start, start + length)</c> of <paramref name="dim"/>; positions past the end got no gradient and are zero.</summary>
    private static Tensor Crop(Tensor t, int dim, long start, long length)
    {
        var available = Math.Max(0, Math.Min(length, t.shape[dim] - start));
        var kept = t.narrow(dim, start, available);
        if (available == length) return kept;
        long[] pad = dim == 3 ? [0, length - available] : [0, 0, 0, length - available];
        return F.pad(kept, pad);
    }

    /// <summary>The constant arguments, passed as one object so that autograd tracks only the input.</summary>
    private sealed record Arguments(Tensor Weight, Tensor? Bias, long Stride, long[] Padding);

    /// <summary>The autograd node: ordinary forward, <see cref="InputGradient"/> backward (weights are frozen constants).</summary>
    private sealed class FastGradientConvolution : autograd.SingleTensorFunction<FastGradientConvolution>
    {
        public override string Name => "FastInputGradientConvolution";

        public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
        {
            var x = (Tensor)vars[0];
            var a = (Arguments)vars[1];
            ctx.save_data("arguments", a);
            ctx.save_data("size", (x.shape[2], x.shape[3]));
            return F.conv2d(x, a.Weight, a.Bias, [a.Stride, a.Stride], a.Padding);
        }

        public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
        {
            var a = (Arguments)ctx.get_data("arguments");
            var (height, width) = ((long, long))ctx.get_data("size");
            // One gradient per argument of apply: the input, and none for the constants.
            return [InputGradient(grad_output, a.Weight, a.Stride, a.Padding, height, width), null!];
        }
    }
}
