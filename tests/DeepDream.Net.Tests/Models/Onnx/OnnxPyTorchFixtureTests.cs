using System.Text.Json;
using DeepDream.Features;
using static TorchSharp.torch;

namespace DeepDream.Tests.Models.Onnx;

/// <summary>
/// Tiny models exported by PyTorch 1.13 and 2.6 (TestData/onnx-ops, see its README) match PyTorch's own outputs to 1e-5
/// (absolute plus relative), at the export size and at another size (the exports have dynamic height and width).
/// </summary>
public sealed class OnnxPyTorchFixtureTests
{
    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "TestData", "onnx-ops");

    private sealed record Sample(string X, string Y, long[] Input, long[] Output);

    private sealed record Fixture(string Name, string Torch, int Opset, string File, string[] Operators, Sample[] Samples);

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private static List<Fixture> All() =>
        [.. Directory.GetFiles(Folder, "manifest-*.json").Order(StringComparer.Ordinal)
            .SelectMany(f => JsonSerializer.Deserialize<List<Fixture>>(File.ReadAllText(f), Json)!)];

    public static TheoryData<string> Files() => [.. All().Select(f => f.File)];

    [Theory]
    [MemberData(nameof(Files))]
    public void Export_MatchesPyTorchTo1e5(string file)
    {
        var fixture = All().Single(f => f.File == file);
        using var model = DreamModels.FromOnnx(Path.Combine(Folder, file), Preprocessing.Raw);
        foreach (var sample in fixture.Samples)
        {
            using var scope = NewDisposeScope();
            var x = Read(sample.X, sample.Input);
            var expected = Read(sample.Y, sample.Output);
            var actual = model.Extract(x, ["output"])["output"];
            Assert.Equal(expected.shape, actual.shape);
            var tolerance = 1e-5 + 1e-5 * expected.abs();
            var excess = (actual - expected).abs() - tolerance;
            Assert.True(excess.max().item<float>() <= 0,
                $"{file} at {sample.Input[3]}×{sample.Input[2]}: largest difference {(actual - expected).abs().max().item<float>():G3} (values up to {expected.abs().max().item<float>():G3})");
        }
    }

    /// <summary>
    /// Operators the importer had before the fixtures were made (ResNet, GoogLeNet, VGG, AlexNet exports) that no fixture
    /// needs: exports fold BatchNormalization into the convolution and Dropout away, and these modules use no Gemm, LRN,
    /// LeakyRelu, Sigmoid, Flatten or Identity. ONNX's backend cases and the ResNet18/GoogLeNet tests cover them.
    /// </summary>
    private static readonly string[] OlderOperatorsOutsideTheFixtures =
        ["BatchNormalization", "Dropout", "Flatten", "Gemm", "Identity", "LRN", "LeakyRelu", "Sigmoid"];

    [Fact]
    public void Fixtures_CoverEveryOtherBuiltInOperator_FromBothPyTorchVersions()
    {
        var fixtures = All();
        Assert.Contains(fixtures, f => f.Torch.StartsWith("1.13", StringComparison.Ordinal));
        Assert.Contains(fixtures, f => f.Torch.StartsWith("2.6", StringComparison.Ordinal));
        var operators = fixtures.SelectMany(f => f.Operators).ToHashSet(StringComparer.Ordinal);
        var missing = DeepDream.Models.Onnx.Operators.OnnxOperators.Supported.Except(OlderOperatorsOutsideTheFixtures).Where(op => !operators.Contains(op)).ToList();
        Assert.True(missing.Count == 0, $"no fixture uses {string.Join(", ", missing)}");
        // Operators PyTorch writes only at old opsets are exercised from there too.
        Assert.Contains(fixtures, f => f.Opset == 9 && f.Operators.Contains("Upsample") && f.Operators.Contains("Scatter"));
    }

    private static Tensor Read(string file, long[] shape)
    {
        var bytes = File.ReadAllBytes(Path.Combine(Folder, file));
        var floats = new float[bytes.Length / 4];
        Buffer.BlockCopy(bytes, 0, floats, 0, bytes.Length);
        return tensor(floats).reshape(shape);
    }
}
