using DeepDream.Diagnostics;
using DeepDream.Features;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepDream.Cli;

/// <summary>Where the model comes from.</summary>
internal enum ModelSource
{
    /// <summary>The embedded ImageNet ResNet18.</summary>
    Embedded,

    /// <summary>An ONNX file.</summary>
    Onnx,

    /// <summary>A TorchVision architecture with a PyTorch or safetensors weight file.</summary>
    TorchVisionWeights,
}

/// <summary>A validated model request: what to load, how its input is preprocessed, and on which device.</summary>
internal sealed record ModelRequest(ModelSource Source, string? Path, string? Architecture, Preprocessing? Preprocessing, Device Device)
{
    /// <summary>For an ONNX model: <see cref="Models.Onnx.OnnxImportOptions.ResizeForFixedSizeLayers"/> (<c>--resize-fixed</c>).</summary>
    public bool ResizeFixed { get; init; }

    /// <summary>For an ONNX model: <see cref="Models.Onnx.OnnxImportOptions.SymmetricPadsFromBegin"/> (<c>--symmetric-pads</c>).</summary>
    public bool SymmetricPads { get; init; }

    /// <summary>The name of the embedded model, accepted by <c>--model</c>.</summary>
    public const string EmbeddedName = "resnet18";

    /// <summary>What the user asked for, for messages and the JSON report.</summary>
    public string Description => Source switch
    {
        ModelSource.Embedded => EmbeddedName + " (embedded)",
        ModelSource.Onnx => Path!,
        _ => $"{Architecture} ({Path})",
    };
}

/// <summary>
/// The one adapter between the CLI and the library's model factories (<c>DreamModels.ResNet18</c>, <c>DreamModels.FromOnnx</c>,
/// <c>DreamModels.FromTorchVision</c>): validates the model options (usage errors, exit 2) and loads the model (model errors,
/// exit 4).
/// </summary>
internal static class ModelResolver
{
    private static readonly string[] WeightExtensions = [".pth", ".pt", ".safetensors", ".bin"];

    /// <summary>Validates the model options without touching the model file's contents.</summary>
    /// <exception cref="UsageException">The options do not fit together or a value is bad.</exception>
    public static ModelRequest Resolve(ModelOptionValues values)
    {
        var device = ResolveDevice(values.Device);
        var model = values.Model?.Trim();
        var hasPreprocess = values.Preprocess is not null || values.Mean is not null || values.Std is not null || values.Bgr || values.Scale is not null;

        var isOnnx = model is not null && System.IO.Path.GetExtension(model).Equals(".onnx", StringComparison.OrdinalIgnoreCase);
        if (values.ResizeFixed && !isOnnx)
            throw new UsageException("--resize-fixed applies only to a .onnx model (torchvision architectures and the embedded resnet18 compute at any size).");
        if (values.SymmetricPads && !isOnnx)
            throw new UsageException("--symmetric-pads applies only to a .onnx model (the embedded resnet18 already pads symmetrically, torchvision architectures need no change).");
        if (string.IsNullOrEmpty(model) || (string.Equals(model, ModelRequest.EmbeddedName, StringComparison.OrdinalIgnoreCase) && !File.Exists(model)))
        {
            if (values.Architecture is not null)
                throw new UsageException($"--arch {values.Architecture} needs a weights file: pass it with --model, e.g. --model {values.Architecture}.pth --arch {values.Architecture}.");
            if (hasPreprocess)
                throw new UsageException("--preprocess, --mean, --std, --bgr and --scale apply only to a .onnx model; the embedded resnet18 knows its own preprocessing.");
            return new ModelRequest(ModelSource.Embedded, null, null, null, device);
        }

        var extension = System.IO.Path.GetExtension(model).ToLowerInvariant();
        var fullPath = System.IO.Path.GetFullPath(model);
        if (extension == ".onnx")
        {
            if (values.Architecture is not null)
                throw new UsageException("--arch applies only to .pth, .pt or .safetensors weight files, not to a .onnx model; remove --arch.");
            return new ModelRequest(ModelSource.Onnx, fullPath, null, ResolvePreprocessing(values), device) { ResizeFixed = values.ResizeFixed, SymmetricPads = values.SymmetricPads };
        }
        if (WeightExtensions.Contains(extension))
        {
            if (values.Architecture is null)
                throw new UsageException($"The weights file '{model}' needs --arch to say which network it belongs to, e.g. --arch resnet50 (torchvision names: resnet18..resnet152, googlenet, inception_v3, vgg16, vgg19, alexnet, ...).");
            if (hasPreprocess)
                throw new UsageException("--preprocess, --mean, --std, --bgr and --scale apply only to a .onnx model; torchvision architectures use ImageNet preprocessing.");
            return new ModelRequest(ModelSource.TorchVisionWeights, fullPath, values.Architecture.Trim(), null, device);
        }
        if (File.Exists(model))
            throw new UsageException($"Cannot tell the model type of '{model}' from its extension; use a .onnx file, or a .pth/.pt/.safetensors weights file with --arch.");
        throw new UsageException($"Unknown model '{model}'. Use {ModelRequest.EmbeddedName} (the default, embedded), a .onnx file, or a .pth/.safetensors weights file with --arch.");
    }

    /// <summary>Loads the model.</summary>
    /// <exception cref="ModelLoadException">The model could not be loaded.</exception>
    /// <exception cref="UsageException">The architecture is unknown.</exception>
    public static IFeatureExtractor Load(ModelRequest request, Func<ModelRequest, IFeatureExtractor>? overrideFactory = null)
    {
        if (request.Path is not null && Directory.Exists(request.Path))
            throw new ModelLoadException($"The model '{request.Path}' is a folder, not a model file; give the path of the file itself.");
        if (request.Path is not null && !File.Exists(request.Path))
            throw new ModelLoadException($"The model file '{request.Path}' does not exist; check the --model path.");
        try
        {
            return overrideFactory is not null ? overrideFactory(request) : request.Source switch
            {
                ModelSource.Embedded => DreamModels.ResNet18(request.Device),
                ModelSource.Onnx => DreamModels.FromOnnx(request.Path!, request.Preprocessing!,
                    new Models.Onnx.OnnxImportOptions { ResizeForFixedSizeLayers = request.ResizeFixed, SymmetricPadsFromBegin = request.SymmetricPads }, request.Device),
                _ => DreamModels.FromTorchVision(request.Architecture!, request.Path!, request.Device),
            };
        }
        catch (Exception e) when (e is ModelLoadException or UsageException)
        {
            throw;
        }
        catch (ArgumentException e) when (request.Source == ModelSource.TorchVisionWeights)
        {
            throw new UsageException($"--arch {request.Architecture}: {DreamRunner.CleanMessage(e)}", e);
        }
        catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
        {
            throw new ModelLoadException($"Could not load the model {request.Description}: {NativeErrors.Summary(e)}", e);
        }
    }

    private static Preprocessing ResolvePreprocessing(ModelOptionValues values)
    {
        var custom = values.Mean is not null || values.Std is not null || values.Bgr || values.Scale is not null;
        if (values.Preprocess is not null && custom)
            throw new UsageException("Use either --preprocess or --mean/--std/--bgr/--scale, not both.");
        if (!custom)
        {
            return (values.Preprocess ?? "imagenet").Trim().ToLowerInvariant() switch
            {
                "imagenet" => Preprocessing.ImageNet,
                "caffe" => Preprocessing.Caffe,
                "raw" => Preprocessing.Raw,
                var other => throw new UsageException($"Unknown --preprocess '{other}'; use imagenet, caffe or raw, or give --mean R,G,B --std R,G,B."),
            };
        }
        var mean = values.Mean is null ? [0f, 0f, 0f] : ValueParsers.ParseTriple(values.Mean, "--mean");
        var std = values.Std is null ? [1f, 1f, 1f] : ValueParsers.ParseTriple(values.Std, "--std");
        var scale = values.Scale is null ? 1f : (float)ValueParsers.ParseDouble(values.Scale, "--scale");
        try
        {
            return new Preprocessing(mean, std, values.Bgr, scale);
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"Bad preprocessing options: {DreamRunner.CleanMessage(e)}", e);
        }
    }

    private static Device ResolveDevice(string? text)
    {
        if (text is null) return torch.cuda.is_available() ? CUDA : CPU;
        var value = text.Trim().ToLowerInvariant();
        if (value == "cpu") return CPU;
        if (value == "cuda" || value.StartsWith("cuda:", StringComparison.Ordinal))
        {
            if (!torch.cuda.is_available())
                throw new UsageException("--device cuda: no CUDA device is available to this build (it uses the CPU backend, TorchSharp-cpu); use --device cpu.");
            try
            {
                return torch.device(value);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                throw new UsageException($"--device {text}: {DreamRunner.CleanMessage(e)}", e);
            }
        }
        throw new UsageException($"Unknown --device '{text}'; use cpu or cuda.");
    }
}
