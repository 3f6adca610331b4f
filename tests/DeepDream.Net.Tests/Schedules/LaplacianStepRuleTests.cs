using DeepDream.Schedules;
using DeepDream.Tests.TestSupport;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepDream.Tests.Schedules;

/// <summary>The Laplacian-pyramid step rule against an independent NumPy rendering of the TensorFlow notebook's lap_normalize.</summary>
public sealed class LaplacianStepRuleTests(SharedResNet18 resnet) : IClassFixture<SharedResNet18>
{
    /// <summary>x[c,h,w] = sin(0.3·(37c + 7h + w)), 1×3×5×6 (odd height, even width: both SAME padding cases).</summary>
    private static Tensor Input()
    {
        var data = new float[3 * 5 * 6];
        for (var c = 0; c < 3; c++)
            for (var h = 0; h < 5; h++)
                for (var w = 0; w < 6; w++)
                    data[(c * 5 + h) * 6 + w] = MathF.Sin(0.3f * (c * 37 + h * 7 + w));
        return tensor(data).reshape(1, 3, 5, 6);
    }

    /// <summary>lap_normalize(x, scale_n = 2) from a NumPy transcription of the notebook with TF's SAME conv semantics.</summary>
    private static readonly float[] s_expected =
    [
        0.7719930f, 1.8350406f, 2.5529950f, 2.9350256f, 2.9970676f, 2.7277245f, 1.8877985f, 2.0781876f, 1.9395727f, 1.5517105f,
        0.9994788f, 0.3071973f, -0.9100801f, -0.7662549f, -0.6829459f, -0.5903266f, -0.4305064f, -0.2498238f, 0.6598190f, 1.5563175f,
        2.0497031f, 2.2487711f, 2.2692479f, 2.1073770f, 2.1199055f, 2.4237781f, 2.1488785f, 1.5213046f, 0.7720925f, -0.0030641f,
        -1.7630323f, -1.7611726f, -1.3191579f, -0.6565159f, -0.0019048f, 0.5222893f, 0.7549413f, 1.0287658f, 1.3749108f, 1.6626016f,
        1.7723714f, 1.6385008f, 0.6862000f, 0.3420815f, -0.0176252f, -0.3675319f, -0.6845370f, -0.9795439f, -1.2132740f, -0.8333715f,
        -0.3665392f, 0.1215659f, 0.5562880f, 0.8616966f, 1.2571608f, 1.9142374f, 2.4555610f, 2.7665800f, 2.7441161f, 2.3544880f,
        -1.1395360f, -2.2021958f, -2.8280025f, -3.0718908f, -2.9974647f, -2.6188418f, -1.7304143f, -1.8637187f, -1.6529422f, -1.2051046f,
        -0.6299889f, 0.0343843f, 1.0531336f, 0.8375693f, 0.6792716f, 0.5137064f, 0.2877996f, 0.0456163f, -0.9127528f, -1.7300521f,
        -2.1261163f, -2.2234280f, -2.1532774f, -1.9277373f, -1.8578227f, -2.0247131f, -1.6369626f, -0.9445500f, -0.2000210f, 0.4939091f,
    ];

    [Fact]
    public void Update_MatchesTheNotebooksLapNormalize_TimesTheStep()
    {
        using var scope = NewDisposeScope();
        var update = new LaplacianStepRule(stepSize: 0.5, levels: 2).Update(Input()).data<float>().ToArray();
        for (var i = 0; i < s_expected.Length; i++) Assert.True(Math.Abs(0.5f * s_expected[i] - update[i]) < 1e-5f, $"[{i}] {0.5f * s_expected[i]} vs {update[i]}");
    }

    [Theory]
    [InlineData(5, 6, 2)]
    [InlineData(17, 12, 4)]
    [InlineData(1, 3, 3)]
    public void SplitThenMerge_ReproducesTheGradient(int height, int width, int levels)
    {
        using var scope = NewDisposeScope();
        var g = randn([1, 3, height, width], generator: new Generator(2));
        var pyramid = LaplacianStepRule.Split(g, levels);
        Assert.Equal(levels + 1, pyramid.Length);
        Assert.Equal([1L, 3, height, width], pyramid[^1].shape);
        Assert.True(LaplacianStepRule.Merge(pyramid).allclose(g, rtol: 0, atol: 1e-5));
    }

    [Fact]
    public void Update_IsScaleInvariant_AndZeroStaysZero()
    {
        using var scope = NewDisposeScope();
        var rule = new LaplacianStepRule();
        var g = randn([1, 3, 20, 16], generator: new Generator(4));
        Assert.True(rule.Update(g.mul(1000)).allclose(rule.Update(g.clone()), rtol: 1e-4, atol: 1e-7));
        Assert.Equal(0f, rule.Update(zeros(1, 3, 8, 8)).abs().max().item<float>());
        Assert.Throws<ArgumentOutOfRangeException>(() => new LaplacianStepRule(levels: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LaplacianStepRule(stepSize: -1));
    }

    [Fact]
    public void Dream_WithTheLaplacianRule_Runs()
    {
        using var model = new TinyExtractor();
        using var dreamer = new DreamBuilder().UseModel(model, ownsModel: false).Layer("conv2").Octaves(2).Steps(3).Seed(2)
            .UseStepRule(new LaplacianStepRule(0.02)).Build();
        using var input = TestImages.Noise(24, 20);
        using var output = dreamer.Run(input);
        Assert.NotEqual(TestImages.Bytes(input), TestImages.Bytes(output));
    }

    [Fact]
    public void DefaultStep_ChangesAPhotoAboutAsMuchAsTheDefaultMeanRule()
    {
        // The default step is calibrated so that a default dream moves a photo as far as the mean-|g| rule's (full-size
        // chelsea and coffee: 1.0x); a smaller, shorter dream keeps that within ±25 % (here about 0.9x; the notebook's
        // own step of 1/255 gives about 2x).
        using var cat = TestImages.LoadSmall("chelsea.png", 128);
        DreamBuilder Dream() => new DreamBuilder().UseModel(resnet.Model, ownsModel: false).Octaves(4).Steps(10).Seed(1);
        using var mean = Dream().Run(cat);
        using var laplacian = Dream().UseStepRule(new LaplacianStepRule()).Run(cat);
        var ratio = TestImages.MeanAbsoluteDifference(cat, laplacian) / TestImages.MeanAbsoluteDifference(cat, mean);
        Assert.InRange(ratio, 0.75, 1.25);
    }
}
