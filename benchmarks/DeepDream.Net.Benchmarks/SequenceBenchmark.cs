using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using DeepDream.Sequences;
using DeepDream.Sequences.Flow;
using DeepDream.Sequences.Jobs;
using DeepDream.Sequences.Media;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace DeepDream.Benchmarks;

/// <summary>
/// <c>sequences [--frames N] [--octaves N] [--steps N] [--append FILE]</c>: frames per second of <c>deepdream zoom</c> and
/// <c>deepdream video</c> at 640×360 with the recommended animation settings (2 octaves × 5 steps, the default layer), and
/// the share of each run's time that is not dreaming. The CLI runs in this process exactly as a user runs it (MP4 out,
/// the clip's audio copied); its <c>--json</c> timings give the dream time of every frame, so the share comes from one run
/// and the machine's load (which slows everything alike) does not skew it. Then the pieces that are not dreaming are
/// timed alone (median of repetitions) to show where that share goes. A measured run, not a BenchmarkDotNet one: a
/// sequence of N frames is the unit.
/// </summary>
internal static class SequenceBenchmark
{
    private const int Width = 640;
    private const int Height = 360;

    public static int Run(string[] args)
    {
        var frames = ConsoleModes.Option(args, "--frames") ?? 24;
        var octaves = ConsoleModes.Option(args, "--octaves") ?? 2;
        var steps = ConsoleModes.Option(args, "--steps") ?? 5;
        var append = ConsoleModes.Text(args, "--append");
        var ffmpeg = Ffmpeg.Locate();
        var work = Directory.CreateTempSubdirectory("deepdream-seqbench-").FullName;
        try
        {
            var clip = Path.Combine(work, "clip.mp4");
            MakePanningClip(ffmpeg, clip, frames);
            var start = Path.Combine(work, "start.png");
            using (var first = FirstFrame(ffmpeg, clip)) first.SaveAsPng(start);

            string[] dream = ["--octaves", Inv(octaves), "--steps", Inv(steps), "--seed", "1", "--json", "-q"];
            var load = Results.LoadAverage();
            var video = RunCli(["video", clip, "-o", Path.Combine(work, "video.mp4"), .. dream]);
            var zoom = RunCli(["zoom", start, "-o", Path.Combine(work, "zoom.mp4"), "--frames", Inv(frames), .. dream]);
            var parts = Parts(ffmpeg, clip, work);
            var loadAfter = Results.LoadAverage();

            var text = new StringBuilder();
            text.AppendLine(CultureInfo.InvariantCulture,
                $"Sequences, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, torch threads {TorchSharp.torch.get_num_threads()}, load average {load} before, {loadAfter} after");
            text.AppendLine(CultureInfo.InvariantCulture,
                $"{frames} frames of {Width}×{Height}, --octaves {octaves} --steps {steps}, default layer, MP4 out (H.264), video: Farnebäck flow + blend 0.5, the clip's AAC audio copied");
            text.AppendLine();
            text.AppendLine("| run | frames/s | s/frame | dream s/frame | read (waited) | prepare | frame write | encode (waited) | other | not dreaming | encoder thread, overlapped |");
            text.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            text.AppendLine(video.Row("video"));
            text.AppendLine(zoom.Row("zoom"));
            text.AppendLine();
            text.AppendLine("The pieces alone (median ms per frame):");
            text.AppendLine();
            text.AppendLine("| piece | ms |");
            text.AppendLine("|---|---:|");
            foreach (var (name, ms) in parts) text.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {ms:F1} |");
            Console.WriteLine(text);
            if (append is not null) File.AppendAllText(append, text + Environment.NewLine);
            return 0;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>One CLI run's timings (seconds), from its <c>--json</c> report.</summary>
    private sealed record Timings(int Frames, double Load, double Read, double Prepare, double Dream, double Write, double Encode, double EncodeBackground, double Total)
    {
        /// <summary>Everything after the model load: the time a user waits for the frames.</summary>
        public double Work => Total - Load;

        /// <summary>Wall time after the model load that none of the measured parts accounts for (start-up, probing, clean-up).</summary>
        public double Other => Work - Read - Prepare - Dream - Write - Encode;

        public string Row(string name) => string.Create(CultureInfo.InvariantCulture,
            $"| {name} | {Frames / Work:F3} | {Work / Frames:F2} | {Dream / Frames:F2} | {Share(Read)} | {Share(Prepare)} | {Share(Write)} | {Share(Encode)} | {Share(Other)} | **{Share(Work - Dream)}** | {Share(EncodeBackground)} |");

        private string Share(double seconds) => string.Create(CultureInfo.InvariantCulture, $"{seconds / Work:P1}");
    }

    private static Timings RunCli(string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = DeepDream.Cli.Program.RunAsync(args, stdout, stderr, CancellationToken.None).GetAwaiter().GetResult();
        if (code != 0) throw new InvalidOperationException($"deepdream {string.Join(' ', args)} exited {code}: {stderr}");
        using var json = JsonDocument.Parse(stdout.ToString());
        var t = json.RootElement.GetProperty("timings");
        double Get(string name) => t.GetProperty(name).GetDouble();
        return new Timings(json.RootElement.GetProperty("frames").GetInt32(), Get("loadSeconds"), Get("readSeconds"), Get("prepareSeconds"),
            Get("dreamSeconds"), Get("writeSeconds"), Get("encodeSeconds"), Get("encodeBackgroundSeconds"), Get("totalSeconds"));
    }

    /// <summary>A 640×360 H.264 clip at 24 fps panning 2 px per frame across coffee.png (scaled to 960×640), with a sine tone.</summary>
    private static void MakePanningClip(Ffmpeg ffmpeg, string path, int frames)
    {
        var seconds = (frames / 24.0).ToString("0.###", CultureInfo.InvariantCulture);
        var (code, _, stderr) = Ffmpeg.Run(ffmpeg.FfmpegPath,
        [
            "-v", "error", "-y", "-loop", "1", "-i", Workload.ImagePath("coffee.png"), "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100",
            "-filter_complex", $"[0:v]scale=960:640,crop={Width}:{Height}:x='40+n*2':y=140,format=yuv420p[v]", "-map", "[v]", "-map", "1:a",
            "-r", "24", "-frames:v", Inv(frames), "-t", seconds, "-c:v", "libx264", "-c:a", "aac", path,
        ], CancellationToken.None);
        if (code != 0) throw new InvalidOperationException("ffmpeg could not make the clip: " + stderr);
    }

    private static Image<Rgb24> FirstFrame(Ffmpeg ffmpeg, string clip)
    {
        using var source = VideoFileSource.Open(ffmpeg, clip);
        return source.ReadFrames().First();
    }

    /// <summary>The parts of a frame that are not dreaming, each timed alone on frames of the clip.</summary>
    private static List<(string, double)> Parts(Ffmpeg ffmpeg, string clip, string work)
    {
        using var source = VideoFileSource.Open(ffmpeg, clip);
        var decode = Stopwatch.StartNew();
        var read = source.ReadFrames().Take(8).ToList();
        var decodeMs = decode.Elapsed.TotalMilliseconds / read.Count;
        try
        {
            var previous = read[0];
            var current = read[1];
            var flow = new FarnebackFlow();
            var field = flow.Estimate(current, previous);
            using var dreamed = new ZoomMotion(1.0, 0.5).Apply(previous); // stands in for a dreamed frame
            var png = new PngEncoder { CompressionLevel = PngCompressionLevel.BestSpeed, FilterMethod = PngFilterMethod.Sub }; // as the job writes
            using var encoded = new MemoryStream();
            current.Save(encoded, png);
            var settings = new Dictionary<string, string> { ["bench"] = "1" };
            using var job = SequenceJob.Open(Path.Combine(work, "job"), new JobDescription("bench", "frames", settings));
            var index = 0;
            var list = new List<(string, double)>
            {
                ("decode (ffmpeg → raw RGB pipe → image); read ahead, overlapped with dreaming", decodeMs),
                ("Farnebäck flow (frames scaled to 320 px); read ahead, overlapped with dreaming", ConsoleModes.Median(7, () => flow.Estimate(current, previous))),
                ("Farnebäck flow at full size (MaxSide 0), for comparison", ConsoleModes.Median(7, () => new FarnebackFlow { MaxSide = 0 }.Estimate(current, previous))),
                ("temporal blend (warp + add)", ConsoleModes.Median(7, () => TemporalBlend.Apply(current, previous, dreamed, field, 0.5).Dispose())),
                ("zoom transform", ConsoleModes.Median(7, () => new ZoomMotion(1.05, 0.5).Apply(current).Dispose())),
                ("PNG encode (fastest deflate, Sub filter), in memory", ConsoleModes.Median(7, () =>
                {
                    using var m = new MemoryStream();
                    current.Save(m, png);
                })),
                ("frame commit (PNG file written atomically, manifest on schedule)", ConsoleModes.Median(7, () => job.Commit(new SequenceFrame(index++, current, 1, default, default, default)))),
                ("PNG decode (a resumed run's earlier frames)", ConsoleModes.Median(7, () =>
                {
                    encoded.Position = 0;
                    Image.Load<Rgb24>(encoded).Dispose();
                })),
            };
            var mp4 = Path.Combine(work, "parts.mp4");
            var encode = Stopwatch.StartNew();
            using (var sink = new VideoFileSink(ffmpeg, mp4, Width, Height, new FrameRate(24)))
            {
                for (var i = 0; i < 24; i++) sink.Write(read[i % read.Count]);
                sink.Complete();
            }
            list.Add(("H.264 encode (ffmpeg, preset medium, CRF 18), 24 frames; overlapped with dreaming", encode.Elapsed.TotalMilliseconds / 24));
            return list;
        }
        finally
        {
            foreach (var frame in read) frame.Dispose();
        }
    }

    private static string Inv(int value) => value.ToString(CultureInfo.InvariantCulture);
}
