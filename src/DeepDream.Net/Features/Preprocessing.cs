using TorchSharp;
using static TorchSharp.torch;

namespace DeepDream.Features;

/// <summary>
/// How a model wants its input: the dream loop always works on RGB in [0,1]; the extractor maps that to the model's
/// convention as <c>y[c] = (scale · x[perm(c)] − mean[c]) / std[c]</c>, where <c>perm</c> reverses the channels when
/// <see cref="Bgr"/> is set. Mean and std are given in the model's own channel order.
/// </summary>
public sealed class Preprocessing
{
    /// <summary>Creates a preprocessing rule.</summary>
    /// <param name="mean">Per-channel mean in the model's channel order, after scaling (three values).</param>
    /// <param name="std">Per-channel standard deviation in the model's channel order, after scaling (three positive values).</param>
    /// <param name="bgr">Whether the model expects BGR channel order.</param>
    /// <param name="scale">Multiplier applied to the [0,1] input first (255 for 0..255 models). Must be positive.</param>
    /// <exception cref="ArgumentException">Mean or std does not have three values, a mean value is not finite, a std value is
    /// not positive, or scale/std or mean/std overflows float32.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="scale"/> is not positive.</exception>
    public Preprocessing(IReadOnlyList<float> mean, IReadOnlyList<float> std, bool bgr = false, float scale = 1f)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(std);
        if (mean.Count != 3) throw new ArgumentException($"Mean needs exactly 3 values (one per channel), got {mean.Count}.", nameof(mean));
        if (std.Count != 3) throw new ArgumentException($"Std needs exactly 3 values (one per channel), got {std.Count}.", nameof(std));
        if (mean.Any(m => !float.IsFinite(m))) throw new ArgumentException("Every mean value must be a finite float32 number.", nameof(mean));
        if (std.Any(s => !(s > 0) || float.IsInfinity(s))) throw new ArgumentException("Every std value must be a positive finite number.", nameof(std));
        Guard.PositiveFinite(scale, nameof(scale));
        // The model sees x · scale/std − mean/std in float32: both factors must stay finite, or every input becomes ±∞/NaN.
        for (var c = 0; c < 3; c++)
        {
            if (!float.IsFinite(scale / std[c]) || !float.IsFinite(mean[c] / std[c]))
            {
                throw new ArgumentException(
                    $"Std {std[c].ToString(System.Globalization.CultureInfo.InvariantCulture)} is too small for scale {scale.ToString(System.Globalization.CultureInfo.InvariantCulture)} and mean {mean[c].ToString(System.Globalization.CultureInfo.InvariantCulture)}: scale/std or mean/std overflows float32.",
                    nameof(std));
            }
        }
        Mean = mean.ToArray();
        Std = std.ToArray();
        Bgr = bgr;
        Scale = scale;
    }

    /// <summary>torchvision's ImageNet convention: RGB in [0,1], mean (0.485, 0.456, 0.406), std (0.229, 0.224, 0.225).</summary>
    public static Preprocessing ImageNet { get; } = new([0.485f, 0.456f, 0.406f], [0.229f, 0.224f, 0.225f]);

    /// <summary>Caffe's convention: BGR, 0..255, minus (104, 117, 123), std 1.</summary>
    public static Preprocessing Caffe { get; } = new([104f, 117f, 123f], [1f, 1f, 1f], bgr: true, scale: 255f);

    /// <summary>No change: RGB in [0,1] as is.</summary>
    public static Preprocessing Raw { get; } = new([0f, 0f, 0f], [1f, 1f, 1f]);

    /// <summary>Per-channel mean in the model's channel order.</summary>
    public IReadOnlyList<float> Mean { get; }

    /// <summary>Per-channel standard deviation in the model's channel order.</summary>
    public IReadOnlyList<float> Std { get; }

    /// <summary>Whether the model expects BGR order.</summary>
    public bool Bgr { get; }

    /// <summary>Multiplier applied to the [0,1] input before the mean is subtracted.</summary>
    public float Scale { get; }

    /// <summary>Whether this rule leaves the input unchanged.</summary>
    public bool IsIdentity => !Bgr && Scale == 1f && Mean.All(m => m == 0f) && Std.All(s => s == 1f);

    /// <summary>
    /// Per-channel multiplier and offset for <c>y = x · a + b</c> in the model's channel order (after the BGR flip), as
    /// 1×3×1×1 tensors on <paramref name="device"/>. Extractors compute these once and keep them: the tensors belong to
    /// the caller and to no dispose scope (a scope around the extractor's creation must not free them).
    /// </summary>
    /// <param name="device">Where the tensors are created.</param>
    public (Tensor Multiplier, Tensor Offset) CreateAffine(Device device)
    {
        var a = new float[3];
        var b = new float[3];
        for (var c = 0; c < 3; c++)
        {
            a[c] = Scale / Std[c];
            b[c] = -Mean[c] / Std[c];
        }
        using var scope = NewDisposeScope();
        return (tensor(a, device: device).reshape(1, 3, 1, 1).DetachFromDisposeScope(),
            tensor(b, device: device).reshape(1, 3, 1, 1).DetachFromDisposeScope());
    }

    /// <summary>Applies the rule to an RGB [0,1] batch, using the tensors from <see cref="CreateAffine"/>.</summary>
    /// <param name="image">N×3×H×W input; not modified.</param>
    /// <param name="multiplier">The multiplier from <see cref="CreateAffine"/>.</param>
    /// <param name="offset">The offset from <see cref="CreateAffine"/>.</param>
    public Tensor Apply(Tensor image, Tensor multiplier, Tensor offset)
    {
        ArgumentNullException.ThrowIfNull(image);
        var x = Bgr ? image.flip(1) : image;
        return torch.addcmul(offset, x, multiplier, 1);
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"{(Bgr ? "BGR" : "RGB")} ×{Scale} mean ({string.Join(", ", Mean)}) std ({string.Join(", ", Std)})";
}
