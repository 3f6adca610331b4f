using System.Diagnostics;
using System.Globalization;
using DeepDream.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace DeepDream.Benchmarks;

/// <summary>
/// <c>peak-memory reference|SIDE [--octaves N] [--steps N] [--tile N] [--precision fp32|bf16] [--append FILE]</c>: one full dream in this (fresh)
/// process, then the peak resident set size (VmHWM from /proc/self/status, and Process.PeakWorkingSet64) and the
/// resident size before the dream (model and image loaded). <c>reference</c> is chelsea.png with the library defaults;
/// SIDE is a SIDE×SIDE image resized from astronaut.png.
/// </summary>
internal static class PeakMemory
{
    public static int Run(string[] args)
    {
        if (args.Length == 0)
        {
            Console.Error.WriteLine("usage: peak-memory reference|SIDE [--octaves N] [--steps N] [--tile N] [--precision fp32|bf16] [--append FILE]");
            return 2;
        }
        var which = args[0];
        int? octaves = ConsoleModes.Option(args, "--octaves"), steps = ConsoleModes.Option(args, "--steps"), tile = ConsoleModes.Option(args, "--tile");
        var append = ConsoleModes.Text(args, "--append");
        var precision = ConsoleModes.Text(args, "--precision") == "bf16" ? Precision.BFloat16 : Precision.Float32;

        var clock = Stopwatch.StartNew();
        using var model = DreamModels.ResNet18().To(precision);
        using Image<Rgb24> image = which == "reference"
            ? Workload.LoadImage()
            : Workload.SquareImage(int.Parse(which, CultureInfo.InvariantCulture));
        using var dreamer = Workload.CreateDreamer(model, steps ?? DreamSettings.DefaultStepsPerOctave, octaves ?? Schedules.OctaveSchedule.DefaultCount, tile, precision);
        var before = Status("VmRSS");
        var loaded = clock.Elapsed;
        clock.Restart();
        using (var output = dreamer.Run(image))
        {
            if (output.Width != image.Width || output.Height != image.Height) throw new InvalidOperationException("Output size differs from the input size.");
        }
        var dream = clock.Elapsed;
        var hwm = Status("VmHWM");
        using var self = Process.GetCurrentProcess();
        self.Refresh();
        var peakWorkingSet = self.PeakWorkingSet64 / (1024.0 * 1024.0);

        var sizes = dreamer.OctaveSizes(image.Width, image.Height);
        var line = string.Create(CultureInfo.InvariantCulture,
            $"| {which} | {image.Width}×{image.Height} | {sizes.Count} | {dreamer.Settings.StepsPerOctave} | {dreamer.Settings.ResolveTileSize()} | {loaded.TotalSeconds:F1} s | {dream.TotalSeconds:F1} s | {before / 1024.0:F0} MiB | {hwm / 1024.0:F0} MiB | {peakWorkingSet:F0} MiB |");
        Console.WriteLine("| workload | image | octaves | steps/octave | tile | load | dream | RSS before dream | peak RSS (VmHWM) | PeakWorkingSet64 |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        Console.WriteLine(line);
        if (append is not null) File.AppendAllText(append, line + Environment.NewLine);
        return 0;
    }

    /// <summary>A kB value from /proc/self/status (0 where unavailable).</summary>
    internal static long Status(string key)
    {
        if (!File.Exists("/proc/self/status")) return 0;
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (!line.StartsWith(key + ":", StringComparison.Ordinal)) continue;
            var parts = line[(key.Length + 1)..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return long.Parse(parts[0], CultureInfo.InvariantCulture);
        }
        return 0;
    }
}
