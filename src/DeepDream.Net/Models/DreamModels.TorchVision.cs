using DeepDream.Models;
using DeepDream.Features;
using DeepDream.Models.TorchVision;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepDream;

public static partial class DreamModels
{
    /// <summary>
    /// The architectures <see cref="FromTorchVision(string, string, TorchVisionOptions)"/> accepts (torchvision names, from
    /// the TorchVision 0.107 package).
    /// </summary>
    public static IReadOnlyList<string> TorchVisionArchitectures { get; } = TorchVisionArchitecture.All.Keys.Order(StringComparer.Ordinal).ToArray();

    /// <summary>
    /// A TorchVision architecture with PyTorch weights: a <c>.pth</c>/<c>.pt</c> file written by
    /// <c>torch.save(model.state_dict(), path)</c> or a <c>.safetensors</c> file, loaded strictly.
    /// </summary>
    /// <param name="architecture">A torchvision name such as <c>resnet18</c>, <c>googlenet</c> or <c>vgg16</c> (see <see cref="TorchVisionArchitectures"/>).</param>
    /// <param name="weightsPath">The weight file.</param>
    /// <param name="device">The device for the parameters (CPU when <see langword="null"/>).</param>
    /// <returns>
    /// An extractor whose layers are the module paths of the network in forward order (<c>conv1</c>, <c>layer3</c>,
    /// <c>layer3.1.conv2</c>, <c>inception4c</c>, <c>features.28</c>, …) followed by <c>logits</c>; its preprocessing is
    /// ImageNet's (for GoogLeNet and Inception v3 the <c>transform_input</c> convention, see <see cref="TorchVisionOptions.TransformInput"/>).
    /// </returns>
    /// <remarks>
    /// Default dream layers (<see cref="IFeatureExtractor.DefaultLayer"/>), each architecture's classic one: ResNet,
    /// Wide ResNet and ResNeXt <c>layer3</c>; GoogLeNet <c>inception4c</c> (the original deep dream layer); Inception v3
    /// <c>Mixed_6b</c>; VGG the last ReLU of block 4 (<c>relu4_3</c> of VGG16 is <c>features.22</c>, of VGG16-BN
    /// <c>features.32</c>); AlexNet <c>features.9</c> (conv4's ReLU); MobileNetV2 <c>features.13</c>, MobileNetV3-Large
    /// <c>features.12</c> and -Small <c>features.8</c> (the last block at 1/16 resolution).
    /// </remarks>
    /// <exception cref="ArgumentException">The architecture is unknown (the message lists the supported ones).</exception>
    /// <exception cref="ModelLoadException">The file is missing, unreadable, or its keys or shapes do not fit the architecture.</exception>
    /// <exception cref="DeepDreamException">The device is CUDA and CUDA is not available (the message names the backend packages).</exception>
    /// <exception cref="DependencyMissingException">The application references no TorchSharp backend package (the message names the one to add, such as TorchSharp-cpu).</exception>
    public static IFeatureExtractor FromTorchVision(string architecture, string weightsPath, Device? device = null) =>
        FromTorchVision(architecture, weightsPath, new TorchVisionOptions { Device = device });

    /// <summary>A TorchVision architecture with PyTorch weights, with explicit settings.</summary>
    /// <param name="architecture">A torchvision name (see <see cref="TorchVisionArchitectures"/>).</param>
    /// <param name="weightsPath">The <c>.pth</c>, <c>.pt</c> or <c>.safetensors</c> weight file.</param>
    /// <param name="options">Device, class count, input convention, BatchNorm folding.</param>
    /// <returns>The extractor (see <see cref="FromTorchVision(string, string, Device?)"/>).</returns>
    /// <exception cref="ArgumentException">The architecture is unknown, or the options do not suit it.</exception>
    /// <exception cref="ModelLoadException">The file is missing, unreadable, or its keys or shapes do not fit the architecture.</exception>
    /// <exception cref="DeepDreamException">The device is CUDA and CUDA is not available (the message names the backend packages).</exception>
    /// <exception cref="DependencyMissingException">The application references no TorchSharp backend package (the message names the one to add, such as TorchSharp-cpu).</exception>
    public static IFeatureExtractor FromTorchVision(string architecture, string weightsPath, TorchVisionOptions options)
    {
        Guard.NotBlank(weightsPath, nameof(weightsPath));
        ArgumentNullException.ThrowIfNull(options);
        DreamDevices.EnsureAvailable(options.Device);
        var arch = ResolveArchitecture(architecture);
        return CreateTorchVision(arch, options, module => StateDictLoader.Load(module, weightsPath, arch.Name, arch.OptionalPrefixes, arch.IgnoredPrefixes));
    }

    /// <summary>
    /// An extractor over your own TorchSharp module. Its layers are the module paths of its submodules. When the module is
    /// a <c>Sequential</c>, the walk runs its children in order and stops after the deepest requested layer; otherwise the
    /// full forward runs with hooks and is cut short (by an exception thrown from the hook of the last requested layer)
    /// as soon as every requested layer has fired, and the layers are listed in the order they fire on a 224×224 probe.
    /// </summary>
    /// <remarks>
    /// The default dream layer is found on first use from a 224×224 probe: among the layers that are 4-D, have more than 3
    /// channels and keep at least 1/16 of the input's resolution, those with the fewest dots in their path (whole blocks
    /// before their parts), and of those the last in forward order (a torchvision ResNet gives <c>layer3</c>).
    /// <see langword="null"/> when no layer qualifies (then objectives must name a layer).
    /// </remarks>
    /// <param name="module">The network; it must map an N×3×H×W image to a tensor. It is put in eval mode and its parameters are frozen.</param>
    /// <param name="preprocessing">The input convention the module expects.</param>
    /// <param name="name">A name for messages and logs.</param>
    /// <param name="ownsModule">Whether disposing the extractor disposes the module.</param>
    /// <returns>The extractor.</returns>
    /// <exception cref="ArgumentNullException">The module or preprocessing is null.</exception>
    public static IFeatureExtractor FromModule(nn.Module<Tensor, Tensor> module, Preprocessing preprocessing, string name = "custom", bool ownsModule = true)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(preprocessing);
        ArgumentNullException.ThrowIfNull(name);
        var root = ForwardNode.ForModule("", module);
        IReadOnlyList<ForwardNode> nodes = root.Children ?? [root];
        return new ModuleFeatureExtractor(name, module, nodes, preprocessing, ownsModule, orderByProbe: root.Children is null);
    }

    /// <summary>Builds an architecture, fills it with <paramref name="load"/> (untrained when null) and wraps it.</summary>
    internal static IFeatureExtractor CreateTorchVision(TorchVisionArchitecture arch, TorchVisionOptions options, Action<nn.Module>? load)
    {
        if (options.NumClasses <= 0) throw new ArgumentException($"NumClasses must be at least 1, got {options.NumClasses}.", nameof(options));
        var module = arch.Create(options.NumClasses);
        PlanFolding? folding = null;
        try
        {
            load?.Invoke(module);
            if (options.Device is not null) module.to(options.Device);
            var preprocessing = options.Preprocessing
                ?? (arch.UsesTransformInput && options.TransformInput != false ? TransformInputPreprocessing : Preprocessing.ImageNet);
            (var plan, folding) = PlanFolding.Apply(arch.Plan(module), options.FoldBatchNorm);
            return new ModuleFeatureExtractor(arch.Name, module, plan, preprocessing, ownsModule: true,
                extraDisposables: [folding], defaultLayer: arch.DefaultLayer, channelsLast: options.ChannelsLast);
        }
        catch
        {
            folding?.Dispose();
            module.Dispose();
            throw;
        }
    }

    /// <summary>torchvision's <c>transform_input=True</c> convention as a whole: <c>(x − 0.5)/0.5</c>.</summary>
    internal static Preprocessing TransformInputPreprocessing { get; } = new([0.5f, 0.5f, 0.5f], [0.5f, 0.5f, 0.5f]);

    internal static TorchVisionArchitecture ResolveArchitecture(string architecture)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        if (TorchVisionArchitecture.All.TryGetValue(architecture.Trim().ToLowerInvariant(), out var arch)) return arch;
        throw new ArgumentException(
            $"unknown TorchVision architecture '{architecture}'; supported: {string.Join(", ", TorchVisionArchitectures)}", nameof(architecture));
    }
}
