using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using DeepDream.Models.TorchVision;
using DeepDream.Tests.TestSupport;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepDream.Tests.Models.TorchVision;

/// <summary>
/// Crafted <c>.pth</c> and <c>.safetensors</c> files, loaded into a tiny <c>Linear(3, 2)</c>: sizes that the file cannot
/// hold are refused before anything is allocated, pickles execute nothing, and messages say what the file is.
/// </summary>
public sealed class WeightFileHostileTests
{
    private static readonly float[] Weight = [1, 2, 3, 4, 5, 6];
    private static readonly float[] Bias = [-1, 0.5f];

    private static void LoadInto(nn.Module module, string path) => StateDictLoader.Load(module, path, "linear", [], []);

    private static ModelLoadException LoadFails(string path)
    {
        using var module = nn.Linear(3, 2);
        return Assert.Throws<ModelLoadException>(() => LoadInto(module, path));
    }

    private static PthTensor WeightTensor(long declared = 6, long[]? shape = null, long[]? stride = null, long offset = 0, byte[]? bytes = null) =>
        new("weight", shape ?? [2, 3], stride ?? [3, 1], offset, "0", declared, bytes ?? PthTestWriter.Floats(Weight));

    private static PthTensor BiasTensor() => new("bias", [2], [1], 0, "1", 2, PthTestWriter.Floats(Bias));

    private static string Folder() => UnixFiles.NewFolder("weights-hostile");

    [Fact]
    public void Pth_HandMade_LoadsExactValues_IncludingAStridedView()
    {
        // The control: the weight is the transpose of a 3×2 storage (strides 1, 2) at offset 1 of a 7-element storage.
        float[] storage = [99, 1, 4, 2, 5, 3, 6];
        var path = PthTestWriter.Save(Folder(), [
            new PthTensor("weight", [2, 3], [1, 2], 1, "0", 7, PthTestWriter.Floats(storage)), BiasTensor()]);
        using var module = nn.Linear(3, 2);
        LoadInto(module, path);
        Assert.Equal(Weight, module.weight!.data<float>().ToArray());
        Assert.Equal(Bias, module.bias!.data<float>().ToArray());
    }

    [Fact]
    public void Pth_StorageDeclaringMoreElementsThanItsEntryHolds_IsRefusedBeforeAllocating()
    {
        // 2^30 floats = 4 GiB declared, 24 bytes stored (the shape matches the declaration, so only the entry size tells).
        var path = PthTestWriter.Save(Folder(), [WeightTensor(declared: 1L << 30, shape: [1L << 15, 1L << 15], stride: [1L << 15, 1]), BiasTensor()]);
        var e = LoadFails(path);
        Assert.Contains("declares 1073741824 elements", e.Message);
        Assert.Contains("holds 24 bytes", e.Message);
    }

    [Fact]
    public void Pth_TensorShapeLargerThanItsStorage_IsRefusedBeforeAllocating()
    {
        var path = PthTestWriter.Save(Folder(), [WeightTensor(shape: [1L << 30, 4], stride: [4, 1]), BiasTensor()]);
        var e = LoadFails(path);
        Assert.Contains("needs more elements than its storage '0' holds (6)", e.Message);
    }

    [Fact]
    public void Pth_ShapeWhoseProductOverflows_IsRefused()
    {
        var path = PthTestWriter.Save(Folder(), [WeightTensor(shape: [1L << 40, 1L << 40], stride: [1, 1]), BiasTensor()]);
        Assert.Contains("more elements than any file can hold", LoadFails(path).Message);
    }

    [Fact]
    public void Pth_ShapeThatDoesNotFitTheNetwork_IsReportedWithoutReadingValues()
    {
        var path = PthTestWriter.Save(Folder(), [WeightTensor(shape: [3, 2], stride: [2, 1]), BiasTensor()]);
        var e = LoadFails(path);
        Assert.Contains("weight (file [3, 2], linear [2, 3])", e.Message);
    }

    [Fact]
    public void Pth_CompressedStorage_IsRefusedRatherThanInflated()
    {
        var path = PthTestWriter.Save(Folder(), [WeightTensor(), BiasTensor()], CompressionLevel.Optimal);
        Assert.Contains("compressed", LoadFails(path).Message);
    }

    [Fact]
    public void Pth_MaliciousPickle_ExecutesNothing()
    {
        var marker = Path.Combine(Folder(), "pwned");
        // posix.system("touch marker"): GLOBAL, the argument tuple, REDUCE — what a hostile torch.save file contains.
        var pickle = new PthTestWriter.Pickle().Op(0x80).Op(2).Global("posix", "system").Text($"touch {marker}").Op(0x85).Op((byte)'R')
            .Global("builtins", "eval").Text($"open('{marker}', 'w')").Op(0x85).Op((byte)'R').Op((byte)'.').ToArray();
        var e = LoadFails(PthTestWriter.SaveRaw(Folder(), pickle, []));
        Assert.Contains("not a readable state-dict pickle", e.Message);
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public void Pth_EmptyRandomAndLegacyFiles_SayWhatTheyAre()
    {
        var folder = Folder();
        var empty = Path.Combine(folder, "empty.pth");
        File.WriteAllBytes(empty, []);
        Assert.Contains("empty (0 bytes)", LoadFails(empty).Message);

        var random = Path.Combine(folder, "random.pth");
        File.WriteAllBytes(random, [.. Enumerable.Range(0, 4096).Select(i => (byte)(i * 7919 % 251))]);
        var e = LoadFails(random);
        Assert.Contains("not a zip archive", e.Message);
        Assert.DoesNotContain("legacy", e.Message);
        Assert.DoesNotContain("old PyTorch format", e.Message);

        var legacy = Path.Combine(folder, "legacy.pth");
        File.WriteAllBytes(legacy, [0x80, 0x02, 0x8A, 0x0A, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19, 0x2E]);
        Assert.Contains("legacy (pre-1.6) torch.save format", LoadFails(legacy).Message);
    }

    [Fact]
    public void WeightFile_AFifo_IsRefusedWithoutBlocking()
    {
        if (OperatingSystem.IsWindows()) return;
        var folder = Folder();
        var fifo = Path.Combine(folder, "weights.pth");
        UnixFiles.MakeFifo(fifo);
        Assert.Contains("pipe or device", LoadFails(fifo).Message);
        // Behind a link too (the link's own size is that of the target's name).
        var link = Path.Combine(folder, "link.pth");
        File.CreateSymbolicLink(link, fifo);
        Assert.Contains("pipe or device", LoadFails(link).Message);
    }

    private static string Safetensors(string folder, string header, byte[] data, ulong? declaredLength = null)
    {
        var json = Encoding.UTF8.GetBytes(header);
        var prefix = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, declaredLength ?? (ulong)json.Length);
        var path = Path.Combine(folder, "weights.safetensors");
        File.WriteAllBytes(path, [.. prefix, .. json, .. data]);
        return path;
    }

    private const string GoodHeader =
        "{\"weight\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]},\"bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[24,32]},\"__metadata__\":{\"format\":\"pt\"}}";

    [Fact]
    public void Safetensors_HandMade_LoadsExactValues()
    {
        var path = Safetensors(Folder(), GoodHeader, [.. PthTestWriter.Floats(Weight), .. PthTestWriter.Floats(Bias)]);
        using var module = nn.Linear(3, 2);
        LoadInto(module, path);
        Assert.Equal(Weight, module.weight!.data<float>().ToArray());
        Assert.Equal(Bias, module.bias!.data<float>().ToArray());
    }

    [Theory]
    [InlineData(2147483647UL)]   // 2^31 − 1: the "Out of memory" abort
    [InlineData(1000000000UL)]   // 1e9: 3 GB read before failing
    [InlineData(ulong.MaxValue)]
    public void Safetensors_HeaderLengthBeyondTheFile_IsRefusedBeforeReading(ulong declared)
    {
        // 73 bytes in all, as in the report.
        var path = Safetensors(Folder(), GoodHeader[..65], [], declared);
        Assert.Equal(73, new FileInfo(path).Length);
        var e = LoadFails(path);
        Assert.Contains("larger than the rest of the file (65 bytes)", e.Message);
    }

    [Theory]
    [InlineData("{\"weight\":{\"dtype\":\"F32\",\"shape\":[1000000000],\"data_offsets\":[0,4000000000]}}", "lies at bytes 0..4000000000")]
    [InlineData("{\"weight\":{\"dtype\":\"F32\",\"shape\":[100000,100000],\"data_offsets\":[0,24]}}", "needs 40000000000 bytes but data_offsets give 24")]
    [InlineData("{\"weight\":{\"dtype\":\"F32\",\"shape\":[1099511627776,1099511627776],\"data_offsets\":[0,24]}}", "more elements than any file can hold")]
    [InlineData("{\"weight\":{\"dtype\":\"C64\",\"shape\":[2,3],\"data_offsets\":[0,24]}}", "dtype 'C64'")]
    [InlineData("{\"weight\":{\"shape\":[2,3]}}", "lacks a valid dtype, shape or data_offsets")]
    [InlineData("[1, 2, 3]", "not a JSON object")]
    [InlineData("{not json", "not valid JSON")]
    public void Safetensors_HeaderDescribingImpossibleData_IsRefused(string header, string expected)
    {
        var path = Safetensors(Folder(), header, PthTestWriter.Floats(Weight));
        Assert.Contains(expected, LoadFails(path).Message);
    }
}
