using DeepDream.Features;
using static TorchSharp.torch;

namespace DeepDream.Models.TorchVision;

/// <summary>Settings for <see cref="DreamModels.FromTorchVision(string, string, TorchVisionOptions)"/>.</summary>
public sealed class TorchVisionOptions
{
    /// <summary>Creates options with every value at its default.</summary>
    public TorchVisionOptions() { }

    /// <summary>The device for the parameters (CPU when <see langword="null"/>).</summary>
    public Device? Device { get; init; }

    /// <summary>The class count of the classifier in the weight file (1000 for ImageNet weights).</summary>
    public int NumClasses { get; init; } = 1000;

    /// <summary>
    /// For <c>googlenet</c> and <c>inception_v3</c>: whether the weights expect torchvision's <c>transform_input=True</c>
    /// input convention. <see langword="null"/> (the default) means <see langword="true"/>, which is what torchvision's
    /// pretrained ImageNet weights for both networks were trained with. Ignored for other architectures.
    /// </summary>
    /// <remarks>
    /// torchvision's <c>transform_input</c> takes an ImageNet-normalised input <c>(x − m)/s</c> and rescales it to
    /// <c>(x − m)/s · s/0.5 + (m − 0.5)/0.5 = (x − 0.5)/0.5</c>, so the first convolution sees <c>2x − 1</c> for
    /// <c>x</c> in [0,1]. The extractor therefore always builds the network with <c>transform_input=False</c> and applies
    /// the whole mapping as its <see cref="Features.Preprocessing"/>: mean (0.5, 0.5, 0.5), std (0.5, 0.5, 0.5) when this is
    /// true, <see cref="Preprocessing.ImageNet"/> when false (weights trained with <c>transform_input=False</c>).
    /// </remarks>
    public bool? TransformInput { get; init; }

    /// <summary>Overrides the input convention altogether (for weights trained with another normalisation).</summary>
    public Preprocessing? Preprocessing { get; init; }

    /// <summary>
    /// For ResNet-family networks: evaluate every convolution followed by a BatchNorm as one convolution with the BatchNorm
    /// folded into its weights and bias (exact up to float rounding; the loaded module itself is left unchanged). Layers
    /// inside a residual block that are asked for by name are always computed unfolded. Default true.
    /// </summary>
    public bool FoldBatchNorm { get; init; } = true;

    /// <summary>
    /// Stores the convolution weights and runs the activations in channels-last (NHWC) memory order, which the CPU backend
    /// convolves without reordering (values unchanged; activations are handed out in the usual layout). Default true.
    /// </summary>
    public bool ChannelsLast { get; init; } = true;
}
