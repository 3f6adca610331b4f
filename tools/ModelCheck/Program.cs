using System.Globalization;
using System.Text.Json;
using DeepDream;
using DeepDream.Features;
using DeepDream.Models.Onnx;
using DeepDream.Models.TorchVision;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepDream.ModelCheck;

/// <summary>
/// Loads every export of one torchvision classifier that tools/model-check/export_torchvision.py wrote (ONNX files from
/// one or more PyTorch versions, and a .pth), compares the logits with PyTorch's at 224×224 and 451×300, lists the layers,
/// measures the minimum-size probe's peak memory, and dreams two steps at a middle layer. Prints one JSON line per export.
/// Usage: ModelCheck NAME FOLDER... (each FOLDER holds one PyTorch version's meta.json).
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        var name = args[0];
        foreach (var folder in args.Skip(1))
        {
            var metaPath = Path.Combine(folder, "meta.json");
            if (!File.Exists(metaPath)) continue;
            using var meta = JsonDocument.Parse(File.ReadAllText(metaPath));
            var root = meta.RootElement;
            var torchVersion = root.GetProperty("torch").GetString()!;
            if (root.TryGetProperty("build_error", out var buildError))
            {
                Report(new() { ["model"] = name, ["torch"] = torchVersion, ["kind"] = "onnx", ["ok"] = false, ["error"] = "not in this torchvision: " + buildError.GetString() });
                continue;
            }
            var samples = root.GetProperty("samples").EnumerateArray().Where(s => s.TryGetProperty("x", out _))
                .Select(s => (Tag: s.GetProperty("tag").GetString()!, Input: Shape(s.GetProperty("input")), Output: Shape(s.GetProperty("output")),
                    X: Path.Combine(folder, s.GetProperty("x").GetString()!), Y: Path.Combine(folder, s.GetProperty("y").GetString()!))).ToList();
            foreach (var variant in root.GetProperty("variants").EnumerateArray())
            {
                var result = new Dictionary<string, object?>
                {
                    ["model"] = name, ["torch"] = torchVersion, ["kind"] = "onnx",
                    ["opset"] = variant.GetProperty("opset").GetInt32(), ["dynamic"] = variant.GetProperty("dynamic").GetBoolean(),
                };
                if (variant.TryGetProperty("export_error", out var exportError))
                {
                    result["ok"] = false;
                    result["error"] = "export failed: " + exportError.GetString();
                    Report(result);
                    continue;
                }
                var file = Path.Combine(folder, variant.GetProperty("file").GetString()!);
                Check(result, () => DreamModels.FromOnnx(file, Preprocessing.Raw, new OnnxImportOptions { Name = name, ResizeForFixedSizeLayers = true }),
                    variant.GetProperty("dynamic").GetBoolean() ? samples : samples.Where(s => s.Tag == "224").ToList());
            }
            if (root.TryGetProperty("pth", out var pth))
            {
                var result = new Dictionary<string, object?> { ["model"] = name, ["torch"] = torchVersion, ["kind"] = "pth" };
                if (!DreamModels.TorchVisionArchitectures.Contains(name))
                {
                    result["ok"] = false;
                    result["error"] = "n/a: not an architecture of the TorchVision .NET package";
                    Report(result);
                }
                else
                {
                    var weights = Path.Combine(folder, pth.GetString()!);
                    Check(result, () => DreamModels.FromTorchVision(name, weights, new TorchVisionOptions { Preprocessing = Preprocessing.Raw }), samples);
                }
            }
        }
        return 0;
    }

    private static long[] Shape(JsonElement e) => [.. e.EnumerateArray().Select(v => v.GetInt64())];

    private static void Check(Dictionary<string, object?> result, Func<IFeatureExtractor> load,
        List<(string Tag, long[] Input, long[] Output, string X, string Y)> samples)
    {
        var started = DateTime.UtcNow;
        try
        {
            using var model = load();
            result["load_s"] = Math.Round((DateTime.UtcNow - started).TotalSeconds, 1);
            var errors = new Dictionary<string, double>();
            foreach (var s in samples)
            {
                using var scope = NewDisposeScope();
                using var noGrad = no_grad();
                var x = Read(s.X, s.Input);
                var expected = Read(s.Y, s.Output);
                var actual = model.Extract(x, ["logits"])["logits"];
                if (!actual.shape.SequenceEqual(expected.shape)) throw new InvalidOperationException($"logits shape [{string.Join(",", actual.shape)}] at {s.Tag}");
                errors[s.Tag] = (actual - expected).abs().max().item<float>() / Math.Max(1e-12, expected.abs().max().item<float>());
            }
            result["rel_error"] = errors;
            var layers = model.ListLayers(224, 224);
            result["layers"] = layers.Count;
            result["layers_computed_224"] = layers.Count(l => l.Shape.Count > 0);
            var fixedSize = model.ListLayers(256, 256).Where(l => l.FixedInputSize is not null).Select(l => l.Name).ToHashSet();
            result["layers_fixed_size_256"] = fixedSize.Count;
            // Dream at a feature map (or, in a transformer, a token sequence) ~70% through the network; a layer fixed to one
            // input size is dreamed on through OnnxImportOptions.ResizeForFixedSizeLayers.
            var candidates = layers.Where(l => (l.Shape.Count == 4 && l.Shape[2] >= 7 && l.Shape[3] >= 7 && l.Channels >= 32)
                || (l.Shape.Count == 3 && l.Shape[1] >= 49 && l.Shape[2] >= 32)).ToList();
            if (candidates.Count == 0) throw new InvalidOperationException("no feature map to dream on");
            var layer = candidates[(int)(candidates.Count * 0.7)].Name;
            result["dream_layer_fixed_size"] = fixedSize.Contains(layer);
            result["dream_layer"] = layer;
            result["rss_before_probe_mb"] = StatusKb("VmRSS") / 1024;
            ResetPeakMemory();
            var baseline = StatusKb("VmRSS");
            result["min_size"] = model.GetMinimumInputSize([layer]);
            try
            {
                result["min_size_logits"] = model.GetMinimumInputSize(["logits"]);
            }
            catch (DeepDreamException e)
            {
                result["min_size_logits"] = e.Message;
            }
            result["probe_peak_mb"] = (StatusKb("VmHWM") - baseline) / 1024;
            result["probe_peak_rss_mb"] = StatusKb("VmHWM") / 1024;
            using var image = new SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.Rgb24>(160, 120);
            for (var y = 0; y < 120; y++)
                for (var x = 0; x < 160; x++)
                    image[x, y] = new SixLabors.ImageSharp.PixelFormats.Rgb24((byte)(x * 255 / 159), (byte)(y * 255 / 119), 128);
            var size = Math.Max(160, (int)result["min_size"]!);
            image.Mutate(size);
            using var dreamed = new DreamBuilder().UseModel(model, ownsModel: false).Layer(layer).Octaves(2).Steps(2).Seed(1).Run(image);
            var changed = 0;
            for (var y = 0; y < dreamed.Height; y++)
                for (var x = 0; x < dreamed.Width; x++)
                    if (!dreamed[x, y].Equals(image[x, y])) changed++;
            result["dream_changed_pixels"] = changed;
            result["ok"] = errors.Values.All(e => e < 1e-4) && changed > 0;
        }
#pragma warning disable CA1031 // a report tool: every failure is a result
        catch (Exception e)
#pragma warning restore CA1031
        {
            result["ok"] = false;
            result["error"] = $"{e.GetType().Name}: {e.Message.Split('\n')[0]}";
        }
        result["total_s"] = Math.Round((DateTime.UtcNow - started).TotalSeconds, 1);
        Report(result);
    }

    private static Tensor Read(string path, long[] shape)
    {
        var bytes = File.ReadAllBytes(path);
        var floats = new float[bytes.Length / 4];
        Buffer.BlockCopy(bytes, 0, floats, 0, bytes.Length);
        return tensor(floats).reshape(shape);
    }

    private static void ResetPeakMemory()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
        }
        catch (IOException)
        {
        }
    }

    private static long StatusKb(string key)
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith(key + ":", StringComparison.Ordinal))
                return long.Parse(line.Split(':', StringSplitOptions.TrimEntries)[1].Split(' ')[0], CultureInfo.InvariantCulture);
        return 0;
    }

    private static void Report(Dictionary<string, object?> result) => Console.WriteLine(JsonSerializer.Serialize(result));

    private static void Mutate(this SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.Rgb24> image, int size)
    {
        if (image.Width >= size && image.Height >= size) return;
        var scale = (double)size / Math.Min(image.Width, image.Height);
        SixLabors.ImageSharp.Processing.ProcessingExtensions.Mutate(image,
            c => SixLabors.ImageSharp.Processing.ResizeExtensions.Resize(c, (int)Math.Ceiling(image.Width * scale), (int)Math.Ceiling(image.Height * scale)));
    }
}
