using static TorchSharp.torch;

namespace DeepDream.Models;

/// <summary>
/// The one BatchNorm folding of the library, used by ONNX import and TorchVision models alike. In inference mode a
/// BatchNorm is the per-channel affine map <c>y = x·s + t</c> with <c>s = γ/√(σ² + ε)</c> and <c>t = β − μ·s</c>; when it
/// follows a convolution, <c>bn(conv(x; W, b)) = conv(x; W·s, b·s + t)</c>, one convolution and no separate pass.
/// </summary>
internal static class BatchNormFolding
{
    /// <summary>
    /// The per-channel scale <c>s</c> and shift <c>t</c> of an inference-mode BatchNorm, computed in float64 and returned
    /// as 1-D float32 tensors (one rounding each), or float64 ones for float64 statistics.
    /// </summary>
    /// <param name="gamma">The learned scale γ, or null for 1.</param>
    /// <param name="beta">The learned shift β, or null for 0.</param>
    /// <param name="mean">The running mean μ.</param>
    /// <param name="variance">The running variance σ².</param>
    /// <param name="epsilon">The ε added to the variance.</param>
    public static (Tensor Scale, Tensor Shift) Coefficients(Tensor? gamma, Tensor? beta, Tensor mean, Tensor variance, double epsilon)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var root = variance.to(ScalarType.Float64).add(epsilon).sqrt();
        var s = gamma is null ? root.reciprocal() : gamma.to(ScalarType.Float64).div(root);
        var t = mean.to(ScalarType.Float64).mul(s).neg();
        if (beta is not null) t = t.add(beta.to(ScalarType.Float64));
        var type = variance.dtype == ScalarType.Float64 ? ScalarType.Float64 : ScalarType.Float32;
        return (s.to(type).flatten().MoveToOuterDisposeScope(), t.to(type).flatten().MoveToOuterDisposeScope());
    }

    /// <summary>
    /// The weight and bias of the convolution that equals <c>bn(conv(x))</c>: <c>W·s</c> (per output channel) and
    /// <c>b·s + t</c> (<c>t</c> when the convolution has no bias), in float32 (float64 for float64 weights). The inputs are
    /// not changed.
    /// </summary>
    /// <param name="weight">The convolution's weight, output channels first.</param>
    /// <param name="bias">The convolution's bias, or null.</param>
    /// <param name="scale">The BatchNorm's scale from <see cref="Coefficients"/>.</param>
    /// <param name="shift">The BatchNorm's shift from <see cref="Coefficients"/>.</param>
    public static (Tensor Weight, Tensor Bias) Fold(Tensor weight, Tensor? bias, Tensor scale, Tensor shift)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var shape = new long[weight.dim()];
        Array.Fill(shape, 1L);
        shape[0] = -1;
        var type = weight.dtype == ScalarType.Float64 ? ScalarType.Float64 : ScalarType.Float32;
        var w = weight.to(type).mul(scale.to(type).view(shape));
        var b = bias is null ? shift.to(type).clone() : addcmul(shift.to(type), bias.to(type), scale.to(type), 1);
        return (w.MoveToOuterDisposeScope(), b.MoveToOuterDisposeScope());
    }
}
