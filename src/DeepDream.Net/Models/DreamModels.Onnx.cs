using DeepDream.Models;
using System.Reflection;
using DeepDream.Features;
using DeepDream.Models.Onnx;
using static TorchSharp.torch;

namespace DeepDream;

public static partial class DreamModels
{
    /// <summary>Manifest resource name of the embedded ResNet18 ONNX file.</summary>
    internal const string ResNet18Resource = "DeepDream.Models.ResNet18.onnx";

    /// <summary>
    /// The embedded default model: an ImageNet ResNet18 (CNTK-trained, from Microsoft.ML.DnnImageFeaturizer.ResNet18,
    /// MIT) up to the final average pool, with torchvision-style layer names <c>stem</c> (after the max-pool, 64
    /// channels), <c>layer1</c> (64), <c>layer2</c> (128), <c>layer3</c> (256) and <c>layer4</c> (512), followed by every
    /// ONNX node output. Works offline; any image size from <see cref="IFeatureExtractor.GetMinimumInputSize"/> up,
    /// odd sizes included (the model's asymmetric CNTK pads are applied symmetrically, see
    /// <see cref="OnnxImportOptions.SymmetricPadsFromBegin"/>). Preprocessing: BGR, 0..255, minus the means
    /// (103.06, 115.90, 123.15). Default dream layer: <c>layer3</c>.
    /// </summary>
    /// <param name="device">Where the weights live; the CPU when null.</param>
    /// <returns>A new extractor named <c>resnet18</c>; dispose it when done.</returns>
    /// <exception cref="ModelLoadException">The embedded model is missing or damaged (a broken installation).</exception>
    /// <exception cref="DeepDreamException">The device is CUDA and CUDA is not available (the message names the backend packages).</exception>
    /// <exception cref="DependencyMissingException">The application references no TorchSharp backend package (the message names the one to add, such as TorchSharp-cpu).</exception>
    public static OnnxFeatureExtractor ResNet18(Device? device = null) => CreateResNet18(foldBatchNorm: true, channelsLast: true, device);

    /// <summary>The embedded ResNet18 with the import levers set explicitly (used by the benchmarks' ablations).</summary>
    internal static OnnxFeatureExtractor CreateResNet18(bool foldBatchNorm, bool channelsLast, Device? device = null)
    {
        DreamDevices.EnsureAvailable(device);
        device ??= CPU;
        var options = new OnnxImportOptions { SymmetricPadsFromBegin = true, Name = "resnet18", FoldBatchNorm = foldBatchNorm, ChannelsLast = channelsLast };
        var graph = OnnxModelLoader.LoadResourceGraph(typeof(DreamModels).Assembly, ResNet18Resource, options, device);
        try
        {
            return new OnnxFeatureExtractor("resnet18", graph, ResNet18Preprocessing, ResNetAliases.Find(graph), device, symmetricPadsFromBegin: true);
        }
        catch (Exception e) when (e is OnnxModelLoadError or ArgumentException)
        {
            graph.Dispose();
            throw new ModelLoadException($"The embedded ResNet18 model does not have the expected structure: {e.Message}", e);
        }
    }

    /// <summary>The input convention of the embedded ResNet18: BGR, 0..255, minus per-channel means, std 1.</summary>
    public static Preprocessing ResNet18Preprocessing { get; } = new([103.06262f, 115.902885f, 123.15163f], [1f, 1f, 1f], bgr: true, scale: 255f);

    /// <summary>
    /// Imports an ONNX model file (no ONNX Runtime needed): every node output becomes a layer. Weights may sit in the
    /// file or in external-data files next to it. BatchNormalization is folded into convolutions.
    /// </summary>
    /// <remarks>
    /// The default dream layer (<see cref="OnnxFeatureExtractor.DefaultLayer"/>) is the alias <c>layer3</c> when
    /// <see cref="OnnxImportOptions.LayerAliases"/> defines it, otherwise the last node output that keeps at least 1/16
    /// of the input's resolution with more than 3 channels and that every later computation goes through (the end of the
    /// stride-16 stage: <c>layer3</c>'s last ReLU in a ResNet, <c>inception4e</c> in GoogLeNet, a mid fire module in
    /// SqueezeNet).
    /// </remarks>
    /// <param name="path">The .onnx file.</param>
    /// <param name="preprocessing">How the model wants its input (e.g. <see cref="Preprocessing.ImageNet"/> for torchvision exports).</param>
    /// <param name="device">Where the weights live; the CPU when null.</param>
    /// <returns>A new extractor named after the file; dispose it when done.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is null or empty.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="preprocessing"/> is null.</exception>
    /// <exception cref="ModelLoadException">The file is missing, unreadable, truncated or not ONNX, uses an unsupported operator
    /// (the message names it, its node and the supported operators), or its weights do not fit the graph.</exception>
    /// <exception cref="DeepDreamException">The device is CUDA and CUDA is not available (the message names the backend packages).</exception>
    /// <exception cref="DependencyMissingException">The application references no TorchSharp backend package (the message names the one to add, such as TorchSharp-cpu).</exception>
    public static OnnxFeatureExtractor FromOnnx(string path, Preprocessing preprocessing, Device? device = null) =>
        FromOnnx(path, preprocessing, new OnnxImportOptions(), device);

    /// <summary>Imports an ONNX model file with explicit import settings (aliases, padding rule, BatchNorm folding, memory layout).</summary>
    /// <param name="path">The .onnx file.</param>
    /// <param name="preprocessing">How the model wants its input.</param>
    /// <param name="options">Import settings.</param>
    /// <param name="device">Where the weights live; the CPU when null.</param>
    /// <returns>A new extractor; dispose it when done.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is null or empty.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="preprocessing"/> or <paramref name="options"/> is null.</exception>
    /// <exception cref="ModelLoadException">The file is missing, unreadable, truncated or not ONNX, uses an unsupported operator
    /// (the message names it, its node and the supported operators), its weights do not fit the graph, or an alias names
    /// no node output.</exception>
    /// <exception cref="DeepDreamException">The device is CUDA and CUDA is not available (the message names the backend packages).</exception>
    /// <exception cref="DependencyMissingException">The application references no TorchSharp backend package (the message names the one to add, such as TorchSharp-cpu).</exception>
    public static OnnxFeatureExtractor FromOnnx(string path, Preprocessing preprocessing, OnnxImportOptions options, Device? device = null)
    {
        DreamDevices.EnsureAvailable(device);
        return OnnxModelLoader.LoadFile(path, preprocessing, options, device ?? CPU);
    }
}
