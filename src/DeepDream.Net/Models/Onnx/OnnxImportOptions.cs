namespace DeepDream.Models.Onnx;

/// <summary>Settings for importing an ONNX model with <see cref="DreamModels.FromOnnx(string, Features.Preprocessing, OnnxImportOptions, TorchSharp.torch.Device?)"/>.</summary>
public sealed class OnnxImportOptions
{
    /// <summary>Creates options with every value at its default.</summary>
    public OnnxImportOptions() { }

    /// <summary>
    /// Pads both sides of every convolution and pooling by the amount the model gives for the beginning, ignoring the end
    /// amounts. Meant for models such as CNTK exports that write <c>pads=[1,1,0,0]</c> for stride-2 layers: for even
    /// feature-map sizes the result is identical, and for odd sizes the main branch of a residual block stays aligned
    /// with its 1×1 shortcut, so every input size works. Off by default: generic ONNX keeps exact asymmetric padding.
    /// </summary>
    public bool SymmetricPadsFromBegin { get; init; }

    /// <summary>
    /// Folds each inference-mode BatchNormalization into the convolution before it when that convolution's output feeds
    /// nothing else (exact up to float rounding; saves a pass over every activation). The folded convolution's own
    /// output name then no longer exists as a layer. On by default.
    /// </summary>
    public bool FoldBatchNorm { get; init; } = true;

    /// <summary>
    /// Stores 4-D weights and the input in channels-last (NHWC) memory order, which the CPU backend convolves faster
    /// (measured about 11% less time for a ResNet18 forward and input-gradient pass to layer3 at 451×300). Values are the
    /// same either way, and <see cref="OnnxFeatureExtractor.Extract"/> returns ordinary contiguous NCHW activations.
    /// On by default.
    /// </summary>
    public bool ChannelsLast { get; init; } = true;

    /// <summary>Friendly names for node outputs (alias → ONNX value name), listed first in the extractor's layer names.</summary>
    public IReadOnlyDictionary<string, string>? LayerAliases { get; init; }

    /// <summary>
    /// Extra operators (or replacements for built-in ones) the importer uses for nodes it finds in this set; see
    /// <see cref="OnnxOperatorSet"/>. Null (the default) uses only the built-in operators.
    /// </summary>
    public OnnxOperatorSet? CustomOperators { get; init; }

    /// <summary>
    /// Lets layers that compute only at one input size (a transformer's positional embeddings, a classifier reshaped to a
    /// constant shape in a fixed-size export) be dreamed on at any size: when <see cref="OnnxFeatureExtractor.Extract"/> is
    /// asked for such a layer, the image is resized (bilinear, differentiably) to that size before the forward pass, so
    /// every requested activation has that size's shape and the gradient flows back to the full image. Off by default:
    /// such layers are then refused with a message naming their size.
    /// </summary>
    public bool ResizeForFixedSizeLayers { get; init; }

    /// <summary>The extractor's <c>Name</c>; defaults to the file name without extension.</summary>
    public string? Name { get; init; }
}
