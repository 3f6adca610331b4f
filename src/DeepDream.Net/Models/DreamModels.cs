using DeepDream.Models;
using DeepDream.Features;
using static TorchSharp.torch;

namespace DeepDream;

/// <summary>
/// Where feature extractors come from: the embedded ResNet18, ONNX files, TorchVision architectures with PyTorch weights,
/// your own modules. (Named <c>DreamModels</c>, not <c>Models</c>, so it never clashes with an app's own <c>Models</c> namespace.)
/// </summary>
public static partial class DreamModels
{
}
