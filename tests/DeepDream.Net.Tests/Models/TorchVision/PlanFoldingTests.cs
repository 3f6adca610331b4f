using DeepDream.Features;
using DeepDream.Models.TorchVision;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepDream.Tests.Models.TorchVision;

/// <summary>
/// BatchNorm folding and the fast first-convolution gradient for every TorchVision family: the fused plan gives the values
/// and gradients of the unfolded network, runs no BatchNorm at all, and still answers layers inside folded units exactly.
/// </summary>
public sealed class PlanFoldingTests
{
    /// <summary>
    /// Two extractors over identical weights with random BatchNorm statistics, one folded and one not. The networks compute
    /// in float64, so that rounding differences stay far below what the checks measure.
    /// </summary>
    private static (IFeatureExtractor Folded, IFeatureExtractor Plain) Pair(string architecture, bool float64 = true, bool channelsLast = true)
    {
        // Other tests draw from torch's global generator in parallel, so the second module copies the first one's state.
        nn.Module? first = null;
        void Initialise(nn.Module m)
        {
            if (float64) m.to(ScalarType.Float64);
            if (first is not null)
            {
                m.load_state_dict(first.state_dict());
                return;
            }
            // Seeded weights (the global generator is shared with tests running in parallel), scaled to keep activations
            // of order one through the depth of the untrained network, and BatchNorm statistics that differ from identity.
            var generator = new Generator(11);
            using var noGrad = no_grad();
            foreach (var (_, child) in m.named_modules())
            {
                if (child is TorchSharp.Modules.Conv2d conv)
                {
                    var fanIn = conv.weight!.shape.Skip(1).Aggregate(1L, (a, b) => a * b);
                    conv.weight.copy_(randn(conv.weight.shape, generator: generator).mul_(Math.Sqrt(2.0 / fanIn)));
                }
                if (child is not TorchSharp.Modules.BatchNorm2d bn) continue;
                bn.running_mean!.copy_(rand(bn.running_mean.shape, generator: generator).mul_(0.4).sub_(0.2));
                bn.running_var!.copy_(rand(bn.running_var.shape, generator: generator).mul_(0.6).add_(0.7));
                bn.weight!.copy_(rand(bn.weight.shape, generator: generator).mul_(0.4).add_(0.8));
                bn.bias!.copy_(rand(bn.bias.shape, generator: generator).mul_(0.4).sub_(0.2));
            }
            first = m;
        }
        var arch = DreamModels.ResolveArchitecture(architecture);
        return (DreamModels.CreateTorchVision(arch, new TorchVisionOptions { ChannelsLast = channelsLast }, Initialise),
            DreamModels.CreateTorchVision(arch, new TorchVisionOptions { FoldBatchNorm = false }, Initialise));
    }

    private static Tensor Picture(int height, int width) =>
        sin(arange(3 * height * width, dtype: ScalarType.Float32).reshape(1, 3, height, width).mul(0.01)).abs();

    private static (Tensor Activation, Tensor Gradient) Run(IFeatureExtractor model, string layer, Tensor picture)
    {
        var x = picture.clone().requires_grad_(true);
        var a = model.Extract(x, [layer])[layer];
        var g = autograd.grad([a.square().mean()], [x])[0];
        return (a.detach(), g);
    }

    private static int BatchNormCalls(IFeatureExtractor model, Action run)
    {
        var calls = 0;
        var module = ((ModuleFeatureExtractor)model).Module;
        var removers = module.named_modules().Select(m => m.module).OfType<TorchSharp.Modules.BatchNorm2d>()
            .Select(bn => bn.register_forward_hook((_, _, output) => { Interlocked.Increment(ref calls); return output; })).ToList();
        try
        {
            run();
        }
        finally
        {
            foreach (var r in removers) r.remove();
        }
        return calls;
    }

    [Theory]
    [InlineData("resnet18", "layer3", 48, 40)]
    [InlineData("resnet50", "layer3", 48, 40)]
    [InlineData("googlenet", "inception4c", 64, 72)]
    [InlineData("inception_v3", "Mixed_6e", 107, 99)]
    [InlineData("mobilenet_v2", "features.14", 64, 56)]
    [InlineData("mobilenet_v3_small", "features.9", 64, 56)]
    public void FoldedPlan_GivesTheUnfoldedValuesAndGradients_WithoutRunningABatchNorm(string architecture, string layer, int height, int width)
    {
        using var scope = NewDisposeScope();
        var (folded, plain) = Pair(architecture);
        using (folded)
        using (plain)
        {
            var picture = Picture(height, width);
            var f = (Activation: empty(0), Gradient: empty(0));
            var p = f;
            Assert.Equal(0, BatchNormCalls(folded, () => f = Run(folded, layer, picture)));
            Assert.True(BatchNormCalls(plain, () => p = Run(plain, layer, picture)) > 0);

            // The networks compute in float64 (differences near 1e-15), but extractors hand out float32 activations and the
            // gradient arrives in the float32 picture: one float32 rounding each, 6e-8 relative. 1e-6 (16 such roundings)
            // is far above that, yet catches a folding mistake as small as an ε off by 1e-5 (parts in 1e-5 of a channel).
            var valueError = (f.Activation - p.Activation).abs().max().item<float>() / p.Activation.abs().max().item<float>();
            Assert.True(valueError < 1e-6, $"relative value error {valueError}");
            var error = (f.Gradient - p.Gradient).norm().item<float>() / p.Gradient.norm().item<float>();
            Assert.True(error < 1e-6, $"relative gradient error {error}");
            Assert.True(p.Gradient.abs().sum().item<float>() > 0);
        }
    }

    [Fact]
    public void LayerInsideAFoldedUnit_IsTheUnfoldedModuleOutput()
    {
        using var scope = NewDisposeScope();
        var (folded, plain) = Pair("resnet18", float64: false);
        using (folded)
        using (plain)
        {
            // A layer inside a block is computed by the module itself (unfolded), so it is still the BatchNorm output
            // (earlier blocks run folded, hence float-rounding differences only).
            var inner = folded.Extract(Picture(40, 48), ["layer2.0.bn1"])["layer2.0.bn1"];
            var innerPlain = plain.Extract(Picture(40, 48), ["layer2.0.bn1"])["layer2.0.bn1"];
            Assert.True(innerPlain.min().item<float>() < 0); // before the ReLU: a real BatchNorm output
            Assert.True((inner - innerPlain).abs().max().item<float>() <= 1e-5f * innerPlain.abs().max().item<float>());
        }
    }

    [Fact]
    public void SequentialConvolutionAndBatchNorm_AreGrouped_AndBothLayersStayAvailable()
    {
        using var scope = NewDisposeScope();
        manual_seed(5);
        var module = nn.Sequential(
            ("0", nn.Conv2d(3, 8, 3, padding: 1)), ("1", nn.BatchNorm2d(8)), ("2", nn.ReLU(inplace: true)),
            ("3", nn.Conv2d(8, 6, 3, stride: 2, padding: 1, bias: false)), ("4", nn.BatchNorm2d(6)), ("5", nn.ReLU(inplace: true)));
        using (no_grad())
        {
            foreach (var bn in module.modules().OfType<TorchSharp.Modules.BatchNorm2d>())
            {
                bn.running_mean!.uniform_(-0.3, 0.3);
                bn.running_var!.uniform_(0.5, 2);
                bn.weight!.uniform_(0.5, 1.5);
            }
        }
        module.eval();
        var (plan, folding) = PlanFolding.Apply(ForwardNode.ForModule("", module).Children!);
        using var extractor = new ModuleFeatureExtractor("seq", module, plan, Preprocessing.Raw, ownsModule: true, extraDisposables: [folding], channelsLast: true);

        // (0, 1) and (3, 4) become groups with a fused form; the ReLUs stay steps of their own.
        Assert.Equal(["", "2", "", "5"], plan.Select(n => n.Path));
        Assert.All(new[] { plan[0], plan[2] }, g => Assert.NotNull(g.Fused));
        var x = rand(1, 3, 12, 10, generator: new Generator(6));
        var steps = module.named_children().Select(c => (nn.Module<Tensor, Tensor>)c.module).ToArray();
        Tensor Through(int count)
        {
            using var noGrad = no_grad();
            var y = x.clone();
            for (var i = 0; i < count; i++) y = steps[i].call(y);
            return y;
        }
        var output = extractor.Extract(x, ["5"])["5"];
        var expected = Through(6);
        Assert.True((output - expected).abs().max().item<float>() <= 1e-5f * expected.abs().max().item<float>());
        // Layers inside a group: the raw convolution output (not the folded one) and the BatchNorm output.
        var inner = extractor.Extract(x, ["3", "4"]);
        Assert.True((inner["3"] - Through(4)).abs().max().item<float>() <= 1e-5f * Through(4).abs().max().item<float>());
        Assert.True((inner["4"] - Through(5)).abs().max().item<float>() <= 1e-5f * Through(5).abs().max().item<float>());
    }
}
