using DeepDream.Features;
using DeepDream.Performance;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DeepDream.Models.TorchVision;

/// <summary>
/// Evaluates ResNet residual blocks (BasicBlock and Bottleneck) with every conv→BatchNorm pair folded into one convolution:
/// in eval mode <c>bn(conv(x)) = conv(x; W·s, β − μ·s)</c> with <c>s = γ/√(σ² + ε)</c> per output channel. The folded weights
/// are separate tensors owned by this object; the module itself is not changed, and the walker uses the folded form of a
/// block only when no layer inside it is requested.
/// </summary>
internal sealed class ResNetBatchNormFolding : IDisposable, IDeviceMovable
{
    private readonly List<FoldedConv> _convs = [];

    private ResNetBatchNormFolding() { }

    /// <summary>Attaches folded forms to every residual block among <paramref name="nodes"/>; returns the owner of the folded weights.</summary>
    /// <param name="nodes">The plan of a torchvision ResNet.</param>
    public static ResNetBatchNormFolding Apply(IReadOnlyList<ForwardNode> nodes)
    {
        var folding = new ResNetBatchNormFolding();
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        foreach (var node in nodes.SelectMany(n => n.SelfAndDescendants()))
        {
            if (node.Module is null || node.Children is not null) continue;
            var fused = folding.TryFoldBlock(node.Module);
            if (fused is not null) node.Fused = fused;
        }
        return folding;
    }

    /// <inheritdoc />
    public void MoveTo(Device device, ComputeFormat format)
    {
        foreach (var conv in _convs) conv.MoveTo(device, format);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var conv in _convs) conv.Dispose();
        _convs.Clear();
    }

    private Func<Tensor, Tensor>? TryFoldBlock(nn.Module block)
    {
        var children = block.named_children().ToDictionary(c => c.name, c => c.module, StringComparer.Ordinal);
        var bottleneck = children.ContainsKey("conv3");
        string[] expected = bottleneck ? ["conv1", "bn1", "conv2", "bn2", "conv3", "bn3"] : ["conv1", "bn1", "conv2", "bn2"];
        var allowed = expected.Concat(["relu1", "relu2", "downsample"]).ToHashSet(StringComparer.Ordinal);
        if (!expected.All(children.ContainsKey) || children.Keys.Any(k => !allowed.Contains(k))) return null;

        var pairs = new List<FoldedConv>();
        for (var i = 0; i < expected.Length; i += 2)
        {
            var folded = Fold(children[expected[i]], children[expected[i + 1]]);
            if (folded is null) return null;
            pairs.Add(folded);
        }
        FoldedConv? downsample = null;
        if (children.TryGetValue("downsample", out var ds))
        {
            var parts = ds.named_children().Select(c => c.module).ToArray();
            if (parts.Length != 2 || (downsample = Fold(parts[0], parts[1])) is null) return null;
        }
        _convs.AddRange(pairs);
        if (downsample is not null) _convs.Add(downsample);

        return x =>
        {
            var y = pairs[0].Forward(x).relu_();
            if (bottleneck) y = pairs[1].Forward(y).relu_();
            y = pairs[^1].Forward(y);
            var identity = downsample is null ? x : downsample.Forward(x);
            return y.add_(identity).relu_();
        };
    }

    private static FoldedConv? Fold(nn.Module convModule, nn.Module bnModule)
    {
        if (convModule is not Conv2d conv || bnModule is not BatchNorm2d bn) return null;
        if (conv.padding_mode != PaddingModes.Zeros || conv.padding is null || bn.running_mean is null || bn.running_var is null) return null;
        var (scale, shift) = BatchNormFolding.Coefficients(bn.weight, bn.bias, bn.running_mean, bn.running_var, bn.eps);
        var (weight, bias) = BatchNormFolding.Fold(conv.weight!, conv.bias, scale, shift);
        return new FoldedConv(weight.DetachFromDisposeScope(), bias.DetachFromDisposeScope(), conv.stride, conv.padding, conv.dilation, conv.groups);
    }

    private sealed class FoldedConv(Tensor weight, Tensor bias, long[] stride, long[] padding, long[] dilation, long groups) : IDisposable
    {
        private Tensor _weight = weight;
        private Tensor _bias = bias;

        public Tensor Forward(Tensor x) => nn.functional.conv2d(x, _weight, _bias, stride, padding, dilation, groups);

        public void MoveTo(Device device, ComputeFormat format)
        {
            using var scope = torch.NewDisposeScope();
            var (w, b) = (format.Weight(_weight.to(device)), format.Weight(_bias.to(device)));
            _weight.Dispose();
            _bias.Dispose();
            (_weight, _bias) = (w.DetachFromDisposeScope(), b.DetachFromDisposeScope());
        }

        public void Dispose()
        {
            _weight.Dispose();
            _bias.Dispose();
        }
    }
}
