using DeepDream.Diagnostics;
using DeepDream.Tests.Cli;
using DeepDream.Tests.TestSupport;
using DeepDream.Sequences;
using DeepDream.Sequences.Flow;
using DeepDream.Sequences.Jobs;
using DeepDream.Sequences.Media;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace DeepDream.Tests.Sequences;

/// <summary>A zero-step dreamer: returns the frame unchanged, and records the seeds it was given.</summary>
internal sealed class IdentityDreamer : IFrameDreamer
{
    public List<int> Seeds { get; } = [];

    public Image<Rgb24> DreamFrame(Image<Rgb24> frame, int seed, IProgress<DreamProgress>? progress, CancellationToken cancellationToken)
    {
        Seeds.Add(seed);
        return frame.Clone();
    }
}

/// <summary>A dreamer that adds a fixed pattern that depends on the seed (to test what the blend carries).</summary>
internal sealed class PatternDreamer(int amplitude) : IFrameDreamer
{
    public Image<Rgb24> DreamFrame(Image<Rgb24> frame, int seed, IProgress<DreamProgress>? progress, CancellationToken cancellationToken)
    {
        var result = frame.Clone();
        var random = new Random(seed);
        result.ProcessPixelRows(rows =>
        {
            for (var y = 0; y < rows.Height; y++)
            {
                var row = rows.GetRowSpan(y);
                for (var x = 0; x < row.Length; x++)
                {
                    var d = random.Next(-amplitude, amplitude + 1);
                    var p = row[x];
                    row[x] = new Rgb24(Clamp(p.R + d), Clamp(p.G + d), Clamp(p.B + d));
                }
            }
        });
        return result;
    }

    private static byte Clamp(int v) => (byte)Math.Clamp(v, 0, 255);
}

/// <summary>Facts that need ffmpeg report themselves skipped, with the reason, where it is not installed.</summary>
public sealed class RequiresFfmpegFactAttribute : FactAttribute
{
    public RequiresFfmpegFactAttribute()
    {
        if (Tools.FfmpegMissing is { } why) Skip = why;
    }
}

/// <summary>Facts that need OpenCV's native library report themselves skipped, with the reason, where it does not load.</summary>
public sealed class RequiresOpenCvFactAttribute : FactAttribute
{
    public RequiresOpenCvFactAttribute()
    {
        if (Tools.OpenCvMissing is { } why) Skip = why;
    }
}

internal static class Tools
{
    private static readonly Lazy<string?> Ffmpeg = new(() =>
    {
        try
        {
            DeepDream.Sequences.Media.Ffmpeg.Locate();
            return null;
        }
        catch (DependencyMissingException e)
        {
            return "needs ffmpeg: " + e.Message;
        }
    });

    private static readonly Lazy<string?> OpenCv = new(() =>
    {
        try
        {
            new FarnebackFlow().EnsureAvailable();
            return null;
        }
        catch (DependencyMissingException e)
        {
            return "needs OpenCV: " + e.Message;
        }
    });

    public static string? FfmpegMissing => Ffmpeg.Value;

    public static string? OpenCvMissing => OpenCv.Value;

    /// <summary>Runs ffprobe and returns (codec_type, width, height, r_frame_rate, frames) per stream.</summary>
    public static List<(string Type, int Width, int Height, string Rate, int Frames)> Probe(string path)
    {
        var ffmpeg = DeepDream.Sequences.Media.Ffmpeg.Locate();
        var (code, stdout, stderr) = DeepDream.Sequences.Media.Ffmpeg.Run(ffmpeg.FfprobePath,
            ["-v", "error", "-count_frames", "-show_entries", "stream=codec_type,width,height,r_frame_rate,nb_read_frames", "-of", "csv=p=0", path], CancellationToken.None);
        Assert.True(code == 0, stderr);
        return stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(line =>
        {
            var f = line.Split(',');
            return f[0] == "video"
                ? (f[0], int.Parse(f[1]), int.Parse(f[2]), f[3], int.Parse(f[4]))
                : (f[0], 0, 0, f[1], 0);
        }).ToList();
    }

    /// <summary>The MD5 of every file in <paramref name="folder"/> (dotfiles too), by name: equal before and after means untouched.</summary>
    public static Dictionary<string, string> Hashes(string folder) => Directory.GetFiles(folder)
        .ToDictionary(f => Path.GetFileName(f), f => Convert.ToHexString(System.Security.Cryptography.MD5.HashData(File.ReadAllBytes(f))));

    /// <summary>Makes a small clip with ffmpeg's test pattern (and a sine tone).</summary>
    public static void MakeClip(string path, int width, int height, int fps, double seconds, bool audio)
    {
        var ffmpeg = DeepDream.Sequences.Media.Ffmpeg.Locate();
        var args = new List<string> { "-v", "error", "-y", "-f", "lavfi", "-i", $"testsrc=size={width}x{height}:rate={fps}" };
        if (audio) args.AddRange(["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100"]);
        args.AddRange(["-t", seconds.ToString(System.Globalization.CultureInfo.InvariantCulture), "-c:v", "libx264", "-pix_fmt", "yuv420p"]);
        if (audio) args.AddRange(["-c:a", "aac"]);
        args.Add(path);
        var (code, _, stderr) = DeepDream.Sequences.Media.Ffmpeg.Run(ffmpeg.FfmpegPath, args, CancellationToken.None);
        Assert.True(code == 0, stderr);
    }

    /// <summary>An animated GIF of <paramref name="frames"/> noise frames (seeds 0, 1, ...) at 10 fps.</summary>
    public static void WriteNoiseGif(string path, int width, int height, int frames)
    {
        using var sink = new DeepDream.Sequences.Media.GifFileSink(path, width, height, new DeepDream.Sequences.Media.FrameRate(10));
        for (var i = 0; i < frames; i++)
        {
            using var frame = TestSupport.TestImages.Noise(width, height, seed: i);
            sink.Write(frame);
        }
        sink.Complete();
    }

    /// <summary>A panning clip as a frame folder: the view slides <paramref name="step"/> px right per frame (sub-pixel steps resample bilinearly).</summary>
    public static void WritePanningFrames(string folder, string sample, int width, int height, int frames, double step)
    {
        Directory.CreateDirectory(folder);
        using var photo = TestSupport.TestImages.LoadSmall(sample, width + (int)Math.Ceiling(step * frames) + 2);
        for (var k = 0; k < frames; k++)
        {
            // Pan about the window's centre by k * step: the frame shows photo columns k*step .. k*step + width.
            using var shifted = new DeepDream.Sequences.ZoomMotion(1, 0, k * step, 0).Apply(photo);
            using var frame = shifted.Clone(c => c.Crop(new Rectangle(0, 0, width, Math.Min(height, photo.Height))));
            frame.SaveAsPng(Path.Combine(folder, FrameFolder.FrameName(k)));
        }
    }

    /// <summary>A still shot as a frame folder: the photo with fresh uniform noise of ±<paramref name="noise"/> in every frame (seeded).</summary>
    public static void WriteNoisyStill(string folder, string sample, int width, int height, int frames, int noise)
    {
        Directory.CreateDirectory(folder);
        using var photo = TestSupport.TestImages.LoadSmall(sample, width);
        var random = new Random(5);
        for (var k = 0; k < frames; k++)
        {
            using var frame = photo.Clone(c => c.Crop(new Rectangle(0, 0, width, Math.Min(height, photo.Height))));
            frame.ProcessPixelRows(rows =>
            {
                for (var y = 0; y < rows.Height; y++)
                {
                    foreach (ref var p in rows.GetRowSpan(y)) p = new Rgb24(Noisy(p.R), Noisy(p.G), Noisy(p.B));
                }
            });
            frame.SaveAsPng(Path.Combine(folder, FrameFolder.FrameName(k)));
        }

        byte Noisy(byte value) => (byte)Math.Clamp(value + random.Next(-noise, noise + 1), 0, 255);
    }

    /// <summary>
    /// Mean absolute difference between frame k and frame k−1 moved left by <paramref name="shift"/> whole pixels (the
    /// content's motion in a pan), 4 px from the borders, in 0..255 units: what is left is flicker.
    /// </summary>
    public static double MotionCompensatedDifference(IReadOnlyList<string> files, int shift)
    {
        const int margin = 4;
        double sum = 0;
        long count = 0;
        for (var i = 1; i < files.Count; i++)
        {
            using var a = Image.Load<Rgb24>(files[i - 1]);
            using var b = Image.Load<Rgb24>(files[i]);
            for (var y = margin; y < b.Height - margin; y++)
            {
                for (var x = margin; x < b.Width - margin - shift; x++)
                {
                    Rgb24 p = b[x, y], q = a[x + shift, y];
                    sum += Math.Abs(p.R - q.R) + Math.Abs(p.G - q.G) + Math.Abs(p.B - q.B);
                    count += 3;
                }
            }
        }
        return sum / count;
    }

    public static byte[] Bytes(Image<Rgb24> image)
    {
        var bytes = new byte[image.Width * image.Height * 3];
        image.CopyPixelDataTo(bytes);
        return bytes;
    }

    /// <summary>Mean absolute difference between consecutive frames of a folder, in 0..255 units.</summary>
    public static double MeanConsecutiveDifference(IReadOnlyList<string> files)
    {
        double sum = 0;
        long count = 0;
        for (var i = 1; i < files.Count; i++)
        {
            using var a = Image.Load<Rgb24>(files[i - 1]);
            using var b = Image.Load<Rgb24>(files[i]);
            var x = Bytes(a);
            var y = Bytes(b);
            for (var j = 0; j < x.Length; j++) sum += Math.Abs(x[j] - y[j]);
            count += x.Length;
        }
        return sum / count;
    }
}

/// <summary>The fastest CLI dream that still runs the model (one octave, one step, conv1, seed 3), for sequence tests.</summary>
internal static class FastDream
{
    /// <summary>The options appended to every fast run.</summary>
    public static readonly string[] Args = ["--octaves", "1", "--steps", "1", "--seed", "3", "--layer", "conv1"];

    /// <summary>Runs <c>deepdream ARGS</c> with <see cref="Args"/> appended, in process on the tiny model.</summary>
    public static Task<CliResult> RunFast(this CliHarness cli, params string[] args) => cli.RunTiny([.. args, .. Args]);

    /// <summary>The same, cancelled after <paramref name="patience"/> (a run that could block on a hostile input).</summary>
    public static async Task<CliResult> RunFast(this CliHarness cli, TimeSpan patience, params string[] args)
    {
        using var guard = new CancellationTokenSource(patience);
        return await cli.Run([.. args, .. Args], _ => new TinyExtractor(seed: 3), guard.Token);
    }
}

/// <summary>A small zoom job for the <see cref="SequenceJob"/> tests: its description, and frames made by <see cref="PatternDreamer"/>.</summary>
internal static class TestJobs
{
    public static JobDescription Describe(string zoom = "1.05") => new("zoom", "in.png (10 bytes)", new Dictionary<string, string> { ["zoom"] = zoom, ["seed"] = "1" });

    /// <summary>Dreams frames <c>job.FramesDone</c> .. <paramref name="frames"/> − 1 (seed 1 + index) into the job.</summary>
    public static async Task Make(SequenceJob job, int frames)
    {
        using var start = TestSupport.TestImages.Noise(12, 8);
        await foreach (var f in ZoomSequence.RunAsync(new PatternDreamer(10), start, new ZoomOptions(frames, 1) { StartFrame = job.FramesDone })) job.Commit(f);
    }
}
