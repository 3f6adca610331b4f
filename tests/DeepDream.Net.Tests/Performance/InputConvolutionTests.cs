using DeepDream.Performance;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepDream.Tests.Performance;

/// <summary>The first convolution's fast input gradient equals autograd's, for every stride, kernel and padding networks use.</summary>
public sealed class InputConvolutionTests
{
    [Theory]
    [InlineData(3, 7, 2, 3, 31, 45)]   // ResNet / GoogLeNet stem, odd sizes
    [InlineData(3, 7, 2, 3, 32, 32)]
    [InlineData(3, 3, 2, 0, 29, 30)]   // Inception v3 Conv2d_1a (no padding)
    [InlineData(3, 3, 1, 1, 13, 11)]   // VGG's first convolution
    [InlineData(3, 11, 4, 2, 67, 70)]  // AlexNet
    [InlineData(1, 5, 3, 1, 20, 19)]
    [InlineData(4, 4, 2, 5, 17, 18)]   // padding larger than the kernel's reach
    public void Gradient_EqualsAutograd(int channels, int kernel, int stride, int padding, int height, int width)
    {
        using var scope = NewDisposeScope();
        var g = new Generator(21);
        var weight = randn([8, channels, kernel, kernel], generator: g);
        var bias = randn([8], generator: g);
        var x = randn([1, channels, height, width], generator: g);
        var leafA = x.clone().requires_grad_(true);
        var leafB = x.clone().requires_grad_(true);
        long[] s = [stride, stride], p = [padding, padding], d = [1, 1];

        var plain = nn.functional.conv2d(leafA, weight, bias, s, p, d);
        var fast = InputConvolution.Conv2d(leafB, weight, bias, s, p, d, 1);
        Assert.Equal(0f, (plain - fast).abs().max().item<float>()); // the forward pass is the ordinary one

        var gy = randn(plain.shape, generator: g);
        var expected = autograd.grad([plain], [leafA], [gy])[0];
        var actual = autograd.grad([fast], [leafB], [gy])[0];
        Assert.Equal(expected.shape, actual.shape);
        Assert.True((expected - actual).abs().max().item<float>() <= 1e-5f * expected.abs().max().item<float>(),
            $"max difference {(expected - actual).abs().max().item<float>()}");
    }

    [Fact]
    public void Gradient_InBFloat16AndChannelsLast_MatchesFloat32()
    {
        using var scope = NewDisposeScope();
        var g = new Generator(22);
        var weight = randn([16, 3, 7, 7], generator: g).mul_(0.1);
        var x = randn([1, 3, 40, 37], generator: g);
        var format = new ComputeFormat(ScalarType.BFloat16, ChannelsLast: true);
        var leaf = x.clone().requires_grad_(true);
        var y = InputConvolution.Conv2d(format.Input(leaf), format.Weight(weight), null, [2, 2], [3, 3], [1, 1], 1);
        var gy = randn(y.shape, generator: g);
        var actual = autograd.grad([y], [leaf], [format.Weight(gy)])[0];
        Assert.Equal(ScalarType.Float32, actual.dtype);

        var reference = x.clone().requires_grad_(true);
        var expected = autograd.grad([nn.functional.conv2d(reference, weight, strides: [2, 2], padding: [3, 3])], [reference], [gy])[0];
        var relative = (actual - expected).norm().item<float>() / expected.norm().item<float>();
        Assert.True(relative < 0.02, $"relative error {relative}");
    }

    [Fact]
    public void ManyInputChannels_OrNoGradient_UseThePlainConvolution()
    {
        using var scope = NewDisposeScope();
        var x = randn(1, 8, 10, 10).requires_grad_(true);
        Assert.False(InputConvolution.Applies(x, randn(4, 8, 3, 3), null, [1, 1], [1, 1], 1));
        Assert.False(InputConvolution.Applies(randn(1, 3, 10, 10), randn(4, 3, 3, 3), null, [1, 1], [1, 1], 1));
        Assert.False(InputConvolution.Applies(x, randn(4, 3, 3, 3), null, [1, 1], [2, 2], 1)); // dilated
        Assert.True(InputConvolution.Applies(randn(1, 3, 10, 10).requires_grad_(true), randn(4, 3, 3, 3), null, [2, 2], [1, 1], 1));
    }
}
