using DeepDream.Features;
using static TorchSharp.torch;

namespace DeepDream.Models;

/// <summary>Where feature extractors come from: the embedded ResNet18, ONNX files, TorchVision architectures with PyTorch weights, your own modules.</summary>
public static partial class Models
{
}
