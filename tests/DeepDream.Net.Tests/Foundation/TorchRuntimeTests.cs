using TorchSharp;
using static TorchSharp.torch;

namespace DeepDream.Tests.Foundation;

/// <summary>The native TorchSharp runtime loads on this host (the GLIBCXX compatibility step made it so on Debian 12).</summary>
public sealed class TorchRuntimeTests
{
    [Fact]
    public void Conv2d_OnKnownInput_ComputesExactSum()
    {
        using var scope = NewDisposeScope();
        // 1×1×3×3 ones convolved with a 1×1×2×2 kernel of ones: every output is 4.
        var input = ones(1, 1, 3, 3);
        var weight = ones(1, 1, 2, 2);
        var output = nn.functional.conv2d(input, weight);
        Assert.Equal(new long[] { 1, 1, 2, 2 }, output.shape);
        Assert.All(output.data<float>().ToArray(), v => Assert.Equal(4f, v));
    }
}
