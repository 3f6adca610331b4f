using System.Reflection;
using DeepDream.Features;
using DeepDream.Performance;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DeepDream.Models.TorchVision;

/// <summary>
/// Fused forms for the steps of a TorchVision network's plan: every convolution followed by a BatchNorm becomes one
/// convolution with the BatchNorm folded in (<see cref="BatchNormFolding"/>), and the first convolution on the image gets
/// the fast input gradient (<see cref="InputConvolution"/>). The module itself is left unchanged: the walker uses a fused
/// form only when no layer inside it is asked for, and computes those layers with the module's own forward.
/// </summary>
/// <remarks>
/// <para>
/// Sequential containers are folded generically (a convolution and the BatchNorm right after it are adjacent children:
/// VGG-BN features, GoogLeNet and Inception v3 convolution blocks, MobileNet's Conv2dNormActivation). Blocks with their
/// own forward code are recognised by their children and type name and re-expressed over fused children: ResNet's
/// BasicBlock and Bottleneck, GoogLeNet's Inception, Inception v3's InceptionA–E, and MobileNet's InvertedResidual. A
/// block that is not recognised keeps its own forward (correct, just unfolded). Tests check every architecture's fused
/// plan against its unfolded forward, values and gradients.
/// </para>
/// <para>The folded weights are tensors owned by this object (<see cref="Dispose"/>); they follow the extractor's device and precision.</para>
/// </remarks>
internal sealed class PlanFolding : IDisposable, IDeviceMovable
{
    private readonly List<FoldedConv> _convs = [];
    private readonly bool _foldBatchNorm;

    private PlanFolding(bool foldBatchNorm) => _foldBatchNorm = foldBatchNorm;

    /// <summary>The plan with fused forms attached (containers with folded pairs are new nodes), and the owner of the folded weights.</summary>
    /// <param name="plan">The plan of a TorchVision network.</param>
    /// <param name="foldBatchNorm">Whether to fold BatchNorms (false: only the fast input gradient of the first convolution).</param>
    public static (IReadOnlyList<ForwardNode> Plan, PlanFolding Folding) Apply(IReadOnlyList<ForwardNode> plan, bool foldBatchNorm = true)
    {
        var folding = new PlanFolding(foldBatchNorm);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        return (folding.FoldSteps(plan), folding);
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

    /// <summary>Folds a list of sibling steps: adjacent convolution/BatchNorm leaves become a group, the rest get fused forms.</summary>
    private List<ForwardNode> FoldSteps(IReadOnlyList<ForwardNode> steps)
    {
        var result = new List<ForwardNode>(steps.Count);
        for (var i = 0; i < steps.Count; i++)
        {
            var step = steps[i];
            if (i + 1 < steps.Count && step.Children is null && steps[i + 1].Children is null
                && step.Module is not null && steps[i + 1].Module is not null && Fold(step.Module, steps[i + 1].Module!) is { } pair)
            {
                result.Add(ForwardNode.Group([step, steps[i + 1]], pair.Forward));
                i++;
                continue;
            }
            if (step.Children is not null)
            {
                result.Add(step.WithChildren(FoldSteps(step.Children)));
                continue;
            }
            if (step.Module is not null && Compile(step.Module) is { } fused) step.Fused = fused;
            result.Add(step);
        }
        return result;
    }

    /// <summary>A fused forward for a module, or null when folding gains nothing there (or the module is not recognised).</summary>
    private Func<Tensor, Tensor>? Compile(nn.Module module)
    {
        switch (module)
        {
            case Conv2d conv:
                return conv.in_channels <= InputConvolution.MaxInputChannels && conv.padding_mode == PaddingModes.Zeros && conv.padding is not null
                    ? x => InputConvolution.Conv2d(x, conv.weight!, conv.bias, conv.stride, conv.padding, conv.dilation, conv.groups)
                    : null;
            case Sequential sequential:
                return CompileSequence([.. sequential.named_children().Select(c => c.module)]);
        }
        var children = module.named_children().ToDictionary(c => c.name, c => c.module, StringComparer.Ordinal);
        return module.GetType().Name switch
        {
            "Inception" => CompileBranches(children, [["branch1"], ["branch2"], ["branch3"], ["branch4"]]),
            "InceptionA" => CompileBranches(children, [["branch1x1"], ["branch5x5_1", "branch5x5_2"], ["branch3x3dbl_1", "branch3x3dbl_2", "branch3x3dbl_3"], ["avg", "branch_pool"]]),
            "InceptionB" => CompileBranches(children, [["branch3x3"], ["branch3x3dbl_1", "branch3x3dbl_2", "branch3x3dbl_3"], ["max"]]),
            "InceptionC" => CompileBranches(children, [["branch1x1"], ["branch7x7_1", "branch7x7_2", "branch7x7_3"],
                ["branch7x7dbl_1", "branch7x7dbl_2", "branch7x7dbl_3", "branch7x7dbl_4", "branch7x7dbl_5"], ["avg", "branch_pool"]]),
            "InceptionD" => CompileBranches(children, [["branch3x3_1", "branch3x3_2"], ["branch7x7x3_1", "branch7x7x3_2", "branch7x7x3_3", "branch7x7x3_4"], ["max"]]),
            "InceptionE" => CompileInceptionE(children),
            "InvertedResidual" => CompileInvertedResidual(module, children),
            _ => CompileResidualBlock(children),
        };
    }

    /// <summary>A sequence of modules with each convolution/BatchNorm pair folded; null when nothing in it changes.</summary>
    private Func<Tensor, Tensor>? CompileSequence(IReadOnlyList<nn.Module> modules)
    {
        var steps = new List<Func<Tensor, Tensor>>(modules.Count);
        var changed = false;
        for (var i = 0; i < modules.Count; i++)
        {
            if (i + 1 < modules.Count && Fold(modules[i], modules[i + 1]) is { } pair)
            {
                steps.Add(pair.Forward);
                changed = true;
                i++;
                continue;
            }
            var compiled = Compile(modules[i]);
            changed |= compiled is not null;
            steps.Add(compiled ?? AsTensorModule(modules[i]).call);
        }
        if (!changed) return null;
        return x =>
        {
            foreach (var step in steps) x = step(x);
            return x;
        };
    }

    /// <summary>
    /// Concatenated branches (GoogLeNet's and Inception v3's blocks): each branch is a chain of children, where
    /// <c>avg</c> is a 3×3 stride-1 average pool and <c>max</c> a 3×3 stride-2 max pool, as in the blocks' own forward.
    /// </summary>
    private Func<Tensor, Tensor>? CompileBranches(Dictionary<string, nn.Module> children, string[][] branches)
    {
        var names = branches.SelectMany(b => b).Where(n => n is not "avg" and not "max").ToHashSet(StringComparer.Ordinal);
        if (!names.SetEquals(children.Keys)) return null;
        var compiled = branches.Select(branch => branch.Select(Step).ToArray()).ToArray();
        Func<Tensor, Tensor> Step(string name) => name switch
        {
            "avg" => x => F.avg_pool2d(x, 3, 1, 1),
            "max" => x => F.max_pool2d(x, 3, 2),
            _ => Compile(children[name]) ?? AsTensorModule(children[name]).call,
        };
        return x =>
        {
            var outputs = new Tensor[compiled.Length];
            for (var b = 0; b < compiled.Length; b++)
            {
                var y = x;
                foreach (var step in compiled[b]) y = step(y);
                outputs[b] = y;
            }
            return cat(outputs, 1);
        };
    }

    /// <summary>Inception v3's InceptionE: two of its branches split into a 1×3 and a 3×1 convolution that are concatenated.</summary>
    private Func<Tensor, Tensor>? CompileInceptionE(Dictionary<string, nn.Module> children)
    {
        string[] names = ["branch1x1", "branch3x3_1", "branch3x3_2a", "branch3x3_2b", "branch3x3dbl_1", "branch3x3dbl_2", "branch3x3dbl_3a", "branch3x3dbl_3b", "branch_pool"];
        if (!names.ToHashSet(StringComparer.Ordinal).SetEquals(children.Keys)) return null;
        var c = names.ToDictionary(n => n, n => Compile(children[n]) ?? AsTensorModule(children[n]).call, StringComparer.Ordinal);
        return x =>
        {
            var b1 = c["branch1x1"](x);
            var b3 = c["branch3x3_1"](x);
            b3 = cat([c["branch3x3_2a"](b3), c["branch3x3_2b"](b3)], 1);
            var bd = c["branch3x3dbl_2"](c["branch3x3dbl_1"](x));
            bd = cat([c["branch3x3dbl_3a"](bd), c["branch3x3dbl_3b"](bd)], 1);
            var bp = c["branch_pool"](F.avg_pool2d(x, 3, 1, 1));
            return cat([b1, b3, bd, bp], 1);
        };
    }

    /// <summary>MobileNet v2/v3's InvertedResidual: its body (<c>conv</c> or <c>block</c>), plus the input when the block adds it.</summary>
    private Func<Tensor, Tensor>? CompileInvertedResidual(nn.Module module, Dictionary<string, nn.Module> children)
    {
        if (children.Count != 1 || !(children.TryGetValue("conv", out var body) || children.TryGetValue("block", out body))) return null;
        if (module.GetType().GetField("use_res_connect", BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public)?.GetValue(module) is not bool residual)
            return null;
        var compiled = Compile(body);
        if (compiled is null) return null;
        return residual ? x => compiled(x).add_(x) : compiled;
    }

    /// <summary>ResNet's BasicBlock (two folded convolutions) and Bottleneck (three), with a folded downsample.</summary>
    private Func<Tensor, Tensor>? CompileResidualBlock(Dictionary<string, nn.Module> children)
    {
        var bottleneck = children.ContainsKey("conv3");
        string[] expected = bottleneck ? ["conv1", "bn1", "conv2", "bn2", "conv3", "bn3"] : ["conv1", "bn1", "conv2", "bn2"];
        var allowed = expected.Concat(["relu1", "relu2", "downsample"]).ToHashSet(StringComparer.Ordinal);
        if (!expected.All(children.ContainsKey) || children.Keys.Any(k => !allowed.Contains(k))) return null;

        var pairs = new List<FoldedConv>();
        for (var i = 0; i < expected.Length; i += 2)
        {
            if (Fold(children[expected[i]], children[expected[i + 1]]) is not { } folded) return null;
            pairs.Add(folded);
        }
        FoldedConv? downsample = null;
        if (children.TryGetValue("downsample", out var ds))
        {
            var parts = ds.named_children().Select(c => c.module).ToArray();
            if (parts.Length != 2 || (downsample = Fold(parts[0], parts[1])) is null) return null;
        }
        return x =>
        {
            var y = pairs[0].Forward(x).relu_();
            if (bottleneck) y = pairs[1].Forward(y).relu_();
            y = pairs[^1].Forward(y);
            var identity = downsample is null ? x : downsample.Forward(x);
            return y.add_(identity).relu_();
        };
    }

    /// <summary>The folded convolution for a convolution followed by an inference BatchNorm, or null when they do not fold.</summary>
    private FoldedConv? Fold(nn.Module convModule, nn.Module bnModule)
    {
        if (!_foldBatchNorm || convModule is not Conv2d conv || bnModule is not BatchNorm2d bn) return null;
        if (conv.padding_mode != PaddingModes.Zeros || conv.padding is null || bn.running_mean is null || bn.running_var is null) return null;
        if (bn.num_features != conv.out_channels) return null;
        var (scale, shift) = BatchNormFolding.Coefficients(bn.weight, bn.bias, bn.running_mean, bn.running_var, bn.eps);
        var (weight, bias) = BatchNormFolding.Fold(conv.weight!, conv.bias, scale, shift);
        var folded = new FoldedConv(weight.to(conv.weight!.dtype).DetachFromDisposeScope(), bias.to(conv.weight.dtype).DetachFromDisposeScope(),
            conv.stride, conv.padding, conv.dilation, conv.groups);
        _convs.Add(folded);
        return folded;
    }

    private static nn.Module<Tensor, Tensor> AsTensorModule(nn.Module module) => ForwardNode.AsTensorModule(module, module.GetName());

    /// <summary>A convolution with a BatchNorm folded into its weights (and the fast input gradient when it reads the image).</summary>
    private sealed class FoldedConv(Tensor weight, Tensor bias, long[] stride, long[] padding, long[] dilation, long groups) : IDisposable
    {
        private Tensor _weight = weight;
        private Tensor _bias = bias;

        public Tensor Forward(Tensor x) => InputConvolution.Conv2d(x, _weight, _bias, stride, padding, dilation, groups);

        public void MoveTo(Device device, ComputeFormat format)
        {
            using var scope = NewDisposeScope();
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
