using TorchSharp;
using static TorchSharp.torch;

namespace DeepDream.Features;

/// <summary>
/// A network seen as a source of named activations: the only thing the dream loop knows about models.
/// </summary>
/// <remarks>
/// Implementations own their TorchSharp module, keep every parameter frozen (<c>requires_grad = false</c>) and the module in
/// eval mode, apply their own <see cref="Preprocessing"/> inside <see cref="Extract"/>, and stop the forward pass at the
/// deepest requested layer. <see cref="Extract"/> must be safe to call from several threads at once.
/// </remarks>
public interface IFeatureExtractor : IDisposable
{
    /// <summary>A short human-readable name, such as <c>resnet18</c> or the file name of an imported model.</summary>
    string Name { get; }

    /// <summary>Every layer name <see cref="Extract"/> accepts, in forward order (friendly aliases first where a model has them).</summary>
    IReadOnlyList<string> LayerNames { get; }

    /// <summary>
    /// The layer a dream uses when no objective is given (<c>layer3</c> for ResNets, <c>inception4c</c> for GoogLeNet, …),
    /// or <see langword="null"/> when the model has none, so objectives must name a layer. Each model family documents
    /// how it chooses (see <see cref="DreamModels"/>); the default implementation returns <see langword="null"/>.
    /// </summary>
    string? DefaultLayer => null;

    /// <summary>
    /// The smallest image height and width, in pixels, for which the forward pass up to the deepest of
    /// <paramref name="layers"/> works and gives every one of them at least a 1×1 activation.
    /// </summary>
    /// <param name="layers">The layers an objective needs; each must be one of <see cref="LayerNames"/>.</param>
    /// <exception cref="ArgumentException">A layer name is unknown (the message lists the valid names).</exception>
    int GetMinimumInputSize(IReadOnlyCollection<string> layers);

    /// <summary>The preprocessing applied to the [0,1] RGB input before the first layer.</summary>
    Preprocessing Preprocessing { get; }

    /// <summary>The device the parameters live on.</summary>
    Device Device { get; }

    /// <summary>Moves the parameters to <paramref name="device"/> (in place) and returns this extractor.</summary>
    /// <param name="device">The target device.</param>
    IFeatureExtractor To(Device device);

    /// <summary>
    /// The number format the network computes in (weights, activations, gradients). <see cref="Extract"/> takes and
    /// returns float32 tensors whatever it is. Default <see cref="DeepDream.Precision.Float32"/>.
    /// </summary>
    Precision Precision => Precision.Float32;

    /// <summary>Converts the network to <paramref name="precision"/> (in place) and returns this extractor.</summary>
    /// <param name="precision">The number format to compute in.</param>
    /// <exception cref="NotSupportedException">The extractor cannot compute in that precision (the default implementation supports float32 only).</exception>
    IFeatureExtractor To(Precision precision) => precision == Precision.Float32
        ? this
        : throw new NotSupportedException($"The model '{Name}' ({GetType().Name}) computes in float32 only; implement IFeatureExtractor.To(Precision) to support {precision}.");

    /// <summary>
    /// Runs the network on <paramref name="image"/> (float32, N×3×H×W, RGB in [0,1], on <see cref="Device"/>) as far as the
    /// deepest of <paramref name="layers"/> and returns those layers' activations (float32, whatever the
    /// <see cref="Precision"/>), keyed by the names given.
    /// </summary>
    /// <param name="image">The input batch. It is not modified or disposed.</param>
    /// <param name="layers">The layers wanted; each must be one of <see cref="LayerNames"/>.</param>
    /// <returns>The activations, attached to the autograd graph of <paramref name="image"/> when it requires a gradient.</returns>
    /// <exception cref="ArgumentException">A layer name is unknown (the message lists the valid names).</exception>
    IReadOnlyDictionary<string, torch.Tensor> Extract(torch.Tensor image, IReadOnlyCollection<string> layers);

    /// <summary>Describes every layer for an input of the given size: name, output shape and channel count.</summary>
    /// <param name="width">Input width in pixels.</param>
    /// <param name="height">Input height in pixels.</param>
    /// <remarks>
    /// Layers that cannot be computed at this size are listed with an empty shape: because the input is too small, or, with
    /// <see cref="LayerInfo.FixedInputSize"/> set, because the layer computes only at the model's export size.
    /// </remarks>
    IReadOnlyList<LayerInfo> ListLayers(int width, int height);
}

/// <summary>One layer of a model for a given input size.</summary>
/// <param name="Name">The name to pass to objectives.</param>
/// <param name="Shape">The activation shape, N×C×H×W for convolutional layers.</param>
public sealed record LayerInfo(string Name, IReadOnlyList<long> Shape)
{
    /// <summary>The channel count (the second dimension), or 1 for tensors with fewer than two dimensions.</summary>
    public long Channels => Shape.Count >= 2 ? Shape[1] : 1;

    /// <summary>
    /// For a layer not computed at the size asked for (empty <see cref="Shape"/>): the only input width and height it
    /// computes at, when it follows a part of the graph fixed to the model's export size (such as a classifier reshaped to
    /// a constant shape); null when the input was simply too small.
    /// </summary>
    public (int Width, int Height)? FixedInputSize { get; init; }
}
