using System.Text;
using DeepDream.Features;
using DeepDream.Models.Onnx;
using DeepDream.Tests.TestSupport;
using static TorchSharp.torch;

namespace DeepDream.Tests.Models.Onnx;

/// <summary>
/// Crafted ONNX files: external data that points outside the model's folder (absolute paths, <c>..</c>, symbolic links),
/// devices and pipes named as models, shapes that overflow, cycles and reverse-ordered graphs.
/// </summary>
public sealed class OnnxHostileFileTests
{
    /// <summary>16 bytes of "secret" text: two int64 values that would make a perfectly good Reshape shape tensor.</summary>
    private static readonly byte[] Secret = Encoding.ASCII.GetBytes("TOPSECRETpass123");

    private static readonly long[] SecretAsLongs = [BitConverter.ToInt64(Secret, 0), BitConverter.ToInt64(Secret, 8)];

    /// <summary>A model that reshapes its input with an external int64 shape tensor stored at <paramref name="location"/>.</summary>
    private static OnnxTestWriter ReshapeWithExternalShape(string location) => new OnnxTestWriter().Input("x").Output("y")
        .Init(new TestTensor("shape", [2], Longs: [], ExternalLocation: location))
        .Node("Reshape", ["x", "shape"], ["y"], name: "reshape_node");

    private static string SaveIn(string folder, OnnxTestWriter model, string name = "model.onnx")
    {
        var path = Path.Combine(folder, name);
        File.WriteAllBytes(path, model.ToBytes());
        return path;
    }

    private static void AssertNoSecret(string message)
    {
        Assert.DoesNotContain("TOPSECRET", message);
        foreach (var v in SecretAsLongs) Assert.DoesNotContain(v.ToString(System.Globalization.CultureInfo.InvariantCulture), message);
    }

    private static ModelLoadException LoadFails(string path) =>
        Assert.Throws<ModelLoadException>(() => DreamModels.FromOnnx(path, Preprocessing.Raw));

    [Fact]
    public void ExternalData_TheSameFileInsideTheFolder_Loads()
    {
        // The control for the refusals below: the same 16 bytes next to the model fit the shape tensor exactly.
        var folder = UnixFiles.NewFolder("onnx-hostile");
        File.WriteAllBytes(Path.Combine(folder, "shape.bin"), Secret);
        using var extractor = DreamModels.FromOnnx(SaveIn(folder, ReshapeWithExternalShape("shape.bin")), Preprocessing.Raw);
        Assert.Contains("y", extractor.LayerNames);
    }

    [Fact]
    public void ExternalData_AbsolutePathOutsideTheFolder_IsRefusedWithoutReadingIt()
    {
        var outside = UnixFiles.NewFolder("onnx-secret");
        var secret = Path.Combine(outside, "shadow");
        File.WriteAllBytes(secret, Secret);
        var path = SaveIn(UnixFiles.NewFolder("onnx-hostile"), ReshapeWithExternalShape(secret));
        var e = LoadFails(path);
        Assert.Contains("refused", e.Message);
        Assert.Contains("absolute path", e.Message);
        AssertNoSecret(e.Message);
    }

    [Theory]
    [InlineData("../secret/shadow")]
    [InlineData("sub/../../secret/shadow")]
    [InlineData("..\\secret\\shadow")]
    public void ExternalData_DotDotEscape_IsRefused(string location)
    {
        var root = UnixFiles.NewFolder("onnx-traversal");
        Directory.CreateDirectory(Path.Combine(root, "secret"));
        Directory.CreateDirectory(Path.Combine(root, "model", "sub"));
        File.WriteAllBytes(Path.Combine(root, "secret", "shadow"), Secret);
        var path = SaveIn(Path.Combine(root, "model"), ReshapeWithExternalShape(location));
        var e = LoadFails(path);
        Assert.Contains("'..'", e.Message);
        AssertNoSecret(e.Message);
    }

    [Fact]
    public void ExternalData_SymlinkedFileOrFolderLeadingOutside_IsRefused()
    {
        if (OperatingSystem.IsWindows()) return; // Creating links needs privileges there.
        var outside = UnixFiles.NewFolder("onnx-secret");
        var secret = Path.Combine(outside, "shadow");
        File.WriteAllBytes(secret, Secret);
        var folder = UnixFiles.NewFolder("onnx-hostile");
        File.CreateSymbolicLink(Path.Combine(folder, "shape.bin"), secret);
        Directory.CreateSymbolicLink(Path.Combine(folder, "data"), outside);
        Directory.CreateDirectory(Path.Combine(folder, "nested"));
        File.CreateSymbolicLink(Path.Combine(folder, "nested", "relative.bin"), "../../" + Path.GetFileName(outside) + "/shadow");

        foreach (var location in new[] { "shape.bin", "data/shadow", "nested/relative.bin" })
        {
            var e = LoadFails(SaveIn(folder, ReshapeWithExternalShape(location)));
            Assert.Contains("symbolic link", e.Message);
            AssertNoSecret(e.Message);
        }
    }

    [Fact]
    public void ExternalData_SymlinksThatStayInside_AndAModelFolderReachedThroughALink_Work()
    {
        if (OperatingSystem.IsWindows()) return;
        var weights = new[] { 1f, -2f, 3f, 0.5f };
        var real = UnixFiles.NewFolder("onnx-linked");
        Directory.CreateDirectory(Path.Combine(real, "blobs"));
        File.WriteAllBytes(Path.Combine(real, "blobs", "w.bin"), [.. weights.SelectMany(BitConverter.GetBytes)]);
        File.CreateSymbolicLink(Path.Combine(real, "w.bin"), "blobs/w.bin");
        var alias = real + "-alias";
        Directory.CreateSymbolicLink(alias, real);
        var model = new OnnxTestWriter().Input("x").Output("y")
            .Init(new TestTensor("w", [4], ExternalLocation: "w.bin"))
            .Node("Mul", ["x", "w"], ["y"]);
        File.WriteAllBytes(Path.Combine(real, "model.onnx"), model.ToBytes());
        using var extractor = DreamModels.FromOnnx(Path.Combine(alias, "model.onnx"), Preprocessing.Raw);
        using var scope = NewDisposeScope();
        var y = extractor.Extract(ones(1, 3, 1, 4), ["y"])["y"];
        Assert.Equal(weights, y[0, 0, 0].data<float>().ToArray());
    }

    [Fact]
    public void ExternalData_SymlinkLoop_IsRefusedNotFollowedForever()
    {
        if (OperatingSystem.IsWindows()) return;
        var folder = UnixFiles.NewFolder("onnx-loop");
        File.CreateSymbolicLink(Path.Combine(folder, "a.bin"), "b.bin");
        File.CreateSymbolicLink(Path.Combine(folder, "b.bin"), "a.bin");
        var e = LoadFails(SaveIn(folder, ReshapeWithExternalShape("a.bin")));
        Assert.Contains("a.bin", e.Message);
    }

    [Fact]
    public void ExternalData_OffsetBeyondTheFile_IsRefusedBeforeReading()
    {
        var folder = UnixFiles.NewFolder("onnx-hostile");
        File.WriteAllBytes(Path.Combine(folder, "shape.bin"), Secret);
        var model = new OnnxTestWriter().Input("x").Output("y")
            .Init(new TestTensor("shape", [2], Longs: [], ExternalLocation: "shape.bin", ExternalOffset: 8))
            .Node("Reshape", ["x", "shape"], ["y"]);
        var e = LoadFails(SaveIn(folder, model));
        Assert.Contains("needs bytes 8..24", e.Message);
        Assert.Contains("has only 16 bytes", e.Message);
        AssertNoSecret(e.Message);
    }

    [Fact]
    public async Task ExternalData_AFifo_IsRefusedWithoutBlocking()
    {
        if (OperatingSystem.IsWindows()) return;
        var folder = UnixFiles.NewFolder("onnx-fifo");
        UnixFiles.MakeFifo(Path.Combine(folder, "shape.bin"));
        // Opening a FIFO with no writer blocks forever: the size check must refuse it first.
        var e = await Task.Run(() => LoadFails(SaveIn(folder, ReshapeWithExternalShape("shape.bin")))).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Contains("not a regular file", e.Message);
    }

    [Theory]
    [InlineData("/dev/zero")]
    [InlineData("/dev/urandom")]
    public void ModelFile_ADevice_IsRefusedBeforeReading(string device)
    {
        if (!File.Exists(device)) return;
        var e = LoadFails(device);
        Assert.Contains("not a regular file", e.Message.Replace("rather than a regular file", "not a regular file", StringComparison.Ordinal));
        Assert.Contains(device, e.Message);
    }

    [Fact]
    public async Task ModelFile_AFifo_IsRefusedWithoutBlocking()
    {
        if (OperatingSystem.IsWindows()) return;
        var fifo = Path.Combine(UnixFiles.NewFolder("onnx-fifo"), "model.onnx");
        UnixFiles.MakeFifo(fifo);
        var e = await Task.Run(() => LoadFails(fifo)).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Contains("pipe or device", e.Message);
    }

    [Theory]
    [InlineData("fifo")]
    [InlineData("/dev/zero")]
    public async Task ModelFile_ALinkToAFifoOrDevice_IsJudgedByItsTarget(string target)
    {
        if (OperatingSystem.IsWindows()) return;
        var folder = UnixFiles.NewFolder("onnx-link");
        if (target == "fifo")
        {
            target = Path.Combine(folder, "pipe");
            UnixFiles.MakeFifo(target);
        }
        else if (!File.Exists(target))
        {
            return;
        }
        // The link's own size is the length of the target's name: only the target's size tells a FIFO or device.
        var link = Path.Combine(folder, "model.onnx");
        File.CreateSymbolicLink(link, target);
        var e = await Task.Run(() => LoadFails(link)).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Contains("pipe or device", e.Message);
    }

    [Fact]
    public void ModelFile_AFolderNamedLikeAModel_SaysItIsAFolder()
    {
        var folder = Path.Combine(UnixFiles.NewFolder("onnx-folder"), "x.onnx");
        Directory.CreateDirectory(folder);
        var e = LoadFails(folder);
        Assert.Contains("is a folder", e.Message);
    }

    [Fact]
    public void Initializer_WithDimensionsWhoseProductOverflows_IsRefusedWithoutNativeTrace()
    {
        // 2^32 × 2^32 wraps to 0 elements in 64-bit arithmetic: an empty raw_data would have "fitted" and libtorch
        // would then have failed with its C++ stack trace in the message.
        var model = new OnnxTestWriter().Input("x").Output("y")
            .Init(new TestTensor("w", [1L << 32, 1L << 32], Floats: []))
            .Node("Mul", ["x", "w"], ["y"]);
        var e = LoadFails(model.Save());
        Assert.Contains("more elements than any file can hold", e.Message);
        Assert.DoesNotContain("frame #", e.Message);
        Assert.DoesNotContain("Exception raised from", e.Message);
    }

    [Fact]
    public void NativeErrorsInNodes_AreOneLineWithoutStackFrames()
    {
        // A constant Reshape to an impossible shape fails inside libtorch at load (constant folding).
        var model = new OnnxTestWriter().Input("x").Output("y")
            .Init("c", [1f, 2f, 3f, 4f], 4)
            .InitLongs("s", [3, 3], 2)
            .Node("Reshape", ["c", "s"], ["r"], name: "bad_reshape")
            .Node("Add", ["x", "r"], ["y"]);
        var e = LoadFails(model.Save());
        Assert.Contains("bad_reshape", e.Message);
        Assert.DoesNotContain("\n", e.Message);
        Assert.DoesNotContain("frame #", e.Message);
    }

    [Fact]
    public void Cycle_IsReportedNamingANodeOnIt()
    {
        var model = new OnnxTestWriter().Input("x").Output("y")
            .Node("Add", ["x", "b"], ["a"], name: "first")
            .Node("Relu", ["a"], ["b"], name: "second")
            .Node("Relu", ["a"], ["y"], name: "out");
        var e = LoadFails(model.Save());
        Assert.Contains("cycle", e.Message);
        Assert.True(e.Message.Contains("'first'", StringComparison.Ordinal) || e.Message.Contains("'second'", StringComparison.Ordinal), e.Message);
    }

    [Fact]
    public void LongChainListedInReverse_LoadsInProducerOrder()
    {
        // 20,000 nodes in reverse file order: the sort is linear (a depth-first walk without recursion, so no stack
        // overflow either); the earlier round-based sort took quadratic time on this file.
        const int n = 20_000;
        var model = new OnnxTestWriter().Input("x").Output($"v{n}");
        for (var i = n; i >= 1; i--) model.Node(i % 2 == 0 ? "Identity" : "Relu", [i == 1 ? "x" : $"v{i - 1}"], [$"v{i}"], name: $"n{i}");
        using var graph = OnnxModelLoader.BuildGraph(model.ToBytes(), "'chain'", null, new OnnxImportOptions(), CPU);
        Assert.Equal(Enumerable.Range(1, n).Select(i => $"v{i}"), graph.RuntimeValueNames);
        using var scope = NewDisposeScope();
        var id = graph.RuntimeId($"v{n}");
        var y = graph.Run(tensor(new[] { 2f, -3f }), [id])[id]!;
        Assert.Equal(new[] { 2f, 0f }, y.data<float>().ToArray());
    }
}
