using DeepDream.Features;

namespace DeepDream.Tests.TestSupport;

/// <summary>One embedded ResNet18 shared by a test class (loading it takes about a second).</summary>
public sealed class SharedResNet18 : IDisposable
{
    public IFeatureExtractor Model { get; } = DeepDream.DreamModels.ResNet18();

    public void Dispose() => Model.Dispose();
}
