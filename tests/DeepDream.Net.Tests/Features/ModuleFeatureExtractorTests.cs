using DeepDream.Features;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepDream.Tests.Features;

public sealed class ModuleFeatureExtractorTests
{
    /// <summary>
    /// stem: 1×1 conv (c0 = x0, c1 = x1 − x2); act: in-place ReLU; head: 1×1 conv (relu(c0) + 2·relu(c1) + 0.5).
    /// The fields are declared in reverse forward order, so registration order is not forward order.
    /// </summary>
    private sealed class TinyNet : nn.Module<Tensor, Tensor>
    {
        private readonly nn.Module<Tensor, Tensor> head;
        private readonly nn.Module<Tensor, Tensor> act;
        private readonly nn.Module<Tensor, Tensor> stem;

        public TinyNet() : base(nameof(TinyNet))
        {
            var h = nn.Conv2d(2, 1, 1);
            var s = nn.Conv2d(3, 2, 1);
            using (no_grad())
            {
                s.weight!.copy_(tensor(new float[] { 1, 0, 0, 0, 1, -1 }).reshape(2, 3, 1, 1));
                s.bias!.zero_();
                h.weight!.copy_(tensor(new float[] { 1, 2 }).reshape(1, 2, 1, 1));
                h.bias!.fill_(0.5);
            }
            head = h;
            act = nn.ReLU(inplace: true);
            stem = s;
            RegisterComponents();
        }

        public override Tensor forward(Tensor input) => head.call(act.call(stem.call(input)));
    }

    private static Tensor Input() =>
        tensor(new float[] { 0.5f, -1f, 2f, 0f, /* c1 */ 1f, 0f, 3f, 1f, /* c2 */ 2f, -1f, 1f, 0.5f }).reshape(1, 3, 2, 2);

    [Fact]
    public void FromModule_CustomModule_ListsLayersInFiringOrderAndComputesExactValues()
    {
        using var scope = NewDisposeScope();
        using var extractor = DreamModels.FromModule(new TinyNet(), Preprocessing.Raw, "tiny");
        Assert.Equal("tiny", extractor.Name);
        Assert.Equal(new[] { "stem", "act", "head" }, extractor.LayerNames);

        var got = extractor.Extract(Input(), ["head", "stem", "act"]);
        // stem keeps its negative values although the in-place ReLU ran on that tensor afterwards.
        Assert.Equal(new float[] { 0.5f, -1f, 2f, 0f, -1f, 1f, 2f, 0.5f }, got["stem"].data<float>().ToArray());
        Assert.Equal(new float[] { 0.5f, 0f, 2f, 0f, 0f, 1f, 2f, 0.5f }, got["act"].data<float>().ToArray());
        Assert.Equal(new float[] { 1f, 2.5f, 6.5f, 1.5f }, got["head"].data<float>().ToArray());
    }

    [Fact]
    public void FromModule_StopsAfterDeepestRequestedLayer()
    {
        using var scope = NewDisposeScope();
        var net = new TinyNet();
        var headCalls = 0;
        var head = (nn.Module<Tensor, Tensor>)net.named_children().Single(c => c.name == "head").module;
        // Registered before the extractor's own hooks, so it runs first even when the extractor stops the pass at head.
        var hook = head.register_forward_hook((_, _, o) => { headCalls++; return o; });
        using var extractor = DreamModels.FromModule(net, Preprocessing.Raw);
        headCalls = 0; // the layer-order probe ran the module once
        var act = extractor.Extract(Input(), ["act"])["act"];
        Assert.Equal(0, headCalls);
        Assert.Equal(new float[] { 0.5f, 0f, 2f, 0f, 0f, 1f, 2f, 0.5f }, act.data<float>().ToArray());
        extractor.Extract(Input(), ["head"]);
        Assert.Equal(1, headCalls);
        hook.remove();
    }

    [Fact]
    public void FromModule_AppliesPreprocessing()
    {
        using var scope = NewDisposeScope();
        // y = (x − 0.5) / (0.5, 0.25, 1): stem c0 = (x0 − 0.5)·2, c1 = (x1 − 0.5)·4 − (x2 − 0.5).
        using var extractor = DreamModels.FromModule(new TinyNet(), new Preprocessing([0.5f, 0.5f, 0.5f], [0.5f, 0.25f, 1f]));
        var stem = extractor.Extract(Input(), ["stem"])["stem"].data<float>().ToArray();
        Assert.Equal(new float[] { 0f, -3f, 3f, -1f, 0.5f, -0.5f, 9.5f, 2f }, stem);
    }

    [Fact]
    public void FromModule_InputGradient_IsExactWithFrozenParameters()
    {
        using var scope = NewDisposeScope();
        var net = new TinyNet();
        using var extractor = DreamModels.FromModule(net, Preprocessing.Raw);
        Assert.All(net.parameters(), p => Assert.False(p.requires_grad));
        var x = Input().requires_grad_(true);
        extractor.Extract(x, ["head"])["head"].sum().backward();
        // d head / d x0 = [c0 > 0], d/dx1 = 2·[c1 > 0], d/dx2 = −2·[c1 > 0].
        Assert.Equal(new float[] { 1, 0, 1, 0, 0, 2, 2, 2, 0, -2, -2, -2 }, x.grad!.data<float>().ToArray());
    }

    [Fact]
    public void FromModule_Sequential_WalksChildrenAndStops()
    {
        using var scope = NewDisposeScope();
        var conv = nn.Conv2d(3, 4, 3, padding: 1);
        var pool = nn.MaxPool2d(2);
        var seq = nn.Sequential(("conv", conv), ("relu", nn.ReLU()), ("pool", pool));
        using var extractor = DreamModels.FromModule(seq, Preprocessing.Raw, ownsModule: false);
        Assert.Equal(new[] { "conv", "relu", "pool" }, extractor.LayerNames);
        var poolCalls = 0;
        var hook = pool.register_forward_hook((_, _, o) => { poolCalls++; return o; });
        var x = rand(1, 3, 6, 6);
        var c = extractor.Extract(x, ["conv"])["conv"];
        Assert.Equal(0, poolCalls);
        using (no_grad()) Assert.Equal(0f, (conv.call(x) - c).abs().max().item<float>());
        Assert.Equal(new long[] { 1, 4, 3, 3 }, extractor.Extract(x, ["pool"])["pool"].shape);
        Assert.Equal(1, poolCalls);
        Assert.Equal(1, extractor.GetMinimumInputSize(["relu"]));
        Assert.Equal(2, extractor.GetMinimumInputSize(["relu", "pool"]));
        hook.remove();

        extractor.Dispose();
        using (no_grad()) Assert.Equal(new long[] { 1, 4, 3, 3 }, seq.call(x).shape); // not owned: still usable
    }

    [Fact]
    public void FromModule_UnknownLayer_ListsValidLayers()
    {
        using var extractor = DreamModels.FromModule(new TinyNet(), Preprocessing.Raw);
        using var x = Input();
        var ex = Assert.Throws<UnknownLayerException>(() => extractor.Extract(x, ["body"]));
        Assert.StartsWith("Unknown layer 'body' for model 'custom'; valid layers: stem, act, head", ex.Message, StringComparison.Ordinal);
    }
}
