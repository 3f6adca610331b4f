using System.Diagnostics;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using DeepDream.Diagnostics;
using DeepDream.Sequences;
using DeepDream.Sequences.Jobs;
using DeepDream.Sequences.Media;

namespace DeepDream.Cli;

/// <summary>The <c>--json</c> report of a sequence run (camelCase).</summary>
internal sealed record SequenceReport(
    string Command,
    string Input,
    string Output,
    string FramesFolder,
    int Width,
    int Height,
    string Fps,
    int Frames,
    int FramesResumed,
    int Seed,
    IReadOnlyDictionary<string, object> Settings,
    SequenceReport.TimingInfo Timings,
    IReadOnlyList<SequenceReport.FrameInfo> FrameTimes)
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>
    /// Where the run's time went; <c>NonDreamShare</c> is the part that was not dreaming. <c>EncodeSeconds</c> is the time
    /// the run waited for the GIF or video encoder; <c>EncodeBackgroundSeconds</c> the encoder's work done meanwhile.
    /// </summary>
    public sealed record TimingInfo(double LoadSeconds, double ReadSeconds, double PrepareSeconds, double DreamSeconds, double WriteSeconds, double EncodeSeconds,
        double EncodeBackgroundSeconds, double TotalSeconds)
    {
        public double NonDreamShare => ReadSeconds + PrepareSeconds + DreamSeconds + WriteSeconds + EncodeSeconds is var work and > 0
            ? (work - DreamSeconds) / work : 0;
    }

    /// <summary>One frame: its seconds (null for frames made by an earlier run without timing) and whether this run made it.</summary>
    public sealed record FrameInfo(int Index, int? Seed, double? Seconds, bool Resumed);

    public string ToJson() => JsonSerializer.Serialize(this, Options);
}

/// <summary>
/// Runs a sequence for the CLI: commits every frame to the job folder as it comes and feeds it to the GIF or video
/// encoder (which works while the next frame is dreamed; a resumed run first feeds the frames already in the folder),
/// shows progress, finishes the file (temporary file, renamed), and reports.
/// </summary>
internal sealed class SequenceRun
{
    private readonly CliContext _context;
    private readonly DreamOptionValues _dream;
    private readonly SequenceOptionValues _sequence;
    private double _read, _prepare, _dreamSeconds, _write, _encode, _encodeBackground;
    private string? _written; // "WxH, R fps" of the GIF or video as written, for the summary
    private readonly List<string> _inputs = []; // the input, its frames and the guide: never removed as a stale temporary file

    public SequenceRun(CliContext context, DreamOptionValues dream, SequenceOptionValues sequence)
    {
        _context = context;
        _dream = dream;
        _sequence = sequence;
    }

    /// <summary>Checks the output's folder and finds ffmpeg when the output needs it (before any work).</summary>
    public Ffmpeg? PrepareOutput(bool inputNeedsFfmpeg)
    {
        var parent = Path.GetDirectoryName(_sequence.Output);
        if (parent is not null && !Directory.Exists(parent))
            throw new FileAccessException($"The output folder '{parent}' does not exist; create it first or choose another -o path.");
        if (_sequence.OutputKind != SequenceOutputKind.Folder && Directory.Exists(_sequence.Output))
            throw new FileAccessException($"The output '{_sequence.Output}' is a folder; give a file name ending in .mp4, .webm or .gif, or a folder without an extension.");
        return _sequence.OutputKind == SequenceOutputKind.Video || inputNeedsFfmpeg ? Ffmpeg.Locate(_sequence.FfmpegPath) : null;
    }

    /// <summary>
    /// Refuses an output, or a job folder, that is the input itself once paths are resolved (<c>./frames/</c>, a symbolic
    /// link to the input, the same file), and an input — or the --guide image — that is one of the files the job replaces
    /// or deletes in its folder (<c>frames/frame-000001.png</c>,
    /// spelled any way or linked): writing there would replace or delete it.
    /// </summary>
    /// <exception cref="UsageException">The output or the job folder is the input, or holds it as a file of the job.</exception>
    public void RefuseInputAsOutput(string input)
    {
        _inputs.Add(input);
        if (_dream.Guide is { } guide)
        {
            _inputs.Add(guide);
            if (SourceFiles.SameLocation(_sequence.Output, guide))
                throw new UsageException($"The output '{_sequence.Output}' is the --guide image itself; writing it would replace the guide. Choose another -o path.");
            RefuseOwnedByJob(guide, "--guide image");
        }
        if (SourceFiles.SameLocation(_sequence.JobFolder, input))
            throw new UsageException($"The output folder is the input folder ('{input}'); write the dreamed frames to another folder.");
        if (SourceFiles.SameLocation(_sequence.Output, input))
            throw new UsageException($"The output '{_sequence.Output}' is the input itself; writing it would replace the input. Choose another -o path.");
        RefuseOwnedByJob(input, "input");
    }

    /// <summary>Refuses an input folder's frame that is (or links to) a file of the job folder; see <see cref="RefuseInputAsOutput"/>.</summary>
    /// <exception cref="UsageException">A frame is one of the job's files.</exception>
    public void RefuseFramesOwnedByJob(IEnumerable<string> files)
    {
        foreach (var file in files)
        {
            _inputs.Add(file);
            RefuseOwnedByJob(file, "input");
        }
    }

    private void RefuseOwnedByJob(string path, string what)
    {
        if (SequenceJob.OwnedEntry(_sequence.JobFolder, path) is { } name)
        {
            throw new UsageException(
                $"The {what} '{path}' is {name} in the frame folder '{_sequence.JobFolder}', which this run replaces or deletes; copy it out of that folder first, or choose another -o path.");
        }
    }

    /// <summary>Opens the job for frames of <paramref name="width"/> x <paramref name="height"/>, telling the user when it resumes.</summary>
    public SequenceJob OpenJob(JobDescription description, int width, int height)
    {
        if (!_sequence.Restart) description = SequenceOptions.InEarlierWords(description, SequenceJob.ReadDescription(_sequence.JobFolder));
        var job = SequenceJob.Open(_sequence.JobFolder, description, _sequence.Restart, (width, height));
        if (job.RejectedFrame is { } rejected && !_dream.Quiet) _context.Error.WriteLine("note: " + rejected + ".");
        if (job.FramesDone > 0 && !_dream.Quiet)
            _context.Error.WriteLine($"resuming: {job.FramesDone} frame(s) already in {job.Folder}, continuing with their seed {job.Description.Settings.GetValueOrDefault("seed")}");
        return job;
    }

    /// <summary>
    /// Opens the GIF or video output (null for a folder output) and feeds it the job's first <paramref name="frames"/>
    /// frames, made by an earlier run. Call after <see cref="OpenJob"/>: the job's lock makes this run the only writer of
    /// the output, so an unfinished file a killed run left beside it (named exactly as the sink names its temporary file,
    /// and not this run's input or guide) is removed first.
    /// </summary>
    public SequenceOutput? StartOutput(SequenceJob job, int frames, int width, int height, FrameRate rate, Ffmpeg? ffmpeg, VideoInfo? audioFrom, string? audioPath,
        CancellationToken cancellationToken)
    {
        if (_sequence.OutputKind == SequenceOutputKind.Folder) return null;
        var clock = Stopwatch.StartNew();
        var folder = Path.GetDirectoryName(_sequence.Output)!;
        var name = Path.GetFileName(_sequence.Output);
        var staleFiles = Directory.EnumerateFiles(folder, $".{name}.*.tmp")
            .Where(f => AtomicFile.TargetOfTemporary(Path.GetFileName(f)) == name && !_inputs.Any(input => SourceFiles.SameLocation(f, input)))
            .ToList();
        foreach (var stale in staleFiles)
        {
            try
            {
                File.Delete(stale);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { } // harmless: the output gets a new temporary name
        }
        IFrameSink sink = _sequence.OutputKind == SequenceOutputKind.Gif
            ? new GifFileSink(_sequence.Output, width, height, rate)
            : new VideoFileSink(ffmpeg!, _sequence.Output, width, height, rate, audioFrom?.HasAudio == true ? audioPath : null, audioFrom?.AudioCodec);
        if (sink is VideoFileSink video && (video.OutputWidth != width || video.OutputHeight != height) && !_dream.Quiet)
            _context.Error.WriteLine($"note: H.264/VP9 video needs even sizes, so the video is {video.OutputWidth}x{video.OutputHeight} (the frames are {width}x{height}).");
        _written = sink is VideoFileSink v ? $"{v.OutputWidth}x{v.OutputHeight}, {rate} fps" : $"{width}x{height}, {GifRate(rate)}";
        var output = new SequenceOutput(sink);
        try
        {
            for (var i = 0; i < frames; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var frame = job.LoadFrame(i);
                Feed(output, frame, cancellationToken);
            }
        }
        catch
        {
            output.Dispose();
            throw;
        }
        _encode += clock.Elapsed.TotalSeconds;
        return output;
    }

    /// <summary>Commits each frame as it comes and feeds it to the output, with progress.</summary>
    public async Task RunFramesAsync(SequenceJob job, IAsyncEnumerable<SequenceFrame> frames, SequenceProgressReporter progress, SequenceOutput? output,
        CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var frame in frames.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                var clock = Stopwatch.StartNew();
                job.Commit(frame);
                _write += clock.Elapsed.TotalSeconds;
                clock.Restart();
                if (output is not null) Feed(output, frame.Image, cancellationToken);
                _encode += clock.Elapsed.TotalSeconds;
                _read += frame.ReadTime.TotalSeconds;
                _prepare += frame.PrepareTime.TotalSeconds;
                _dreamSeconds += frame.DreamTime.TotalSeconds;
                progress.FrameDone(frame, (frame.ReadTime + frame.PrepareTime + frame.DreamTime).TotalSeconds);
            }
        }
        finally
        {
            progress.Finish();
        }
    }

    /// <summary>Waits for the encoder and moves the GIF or video into place (nothing to do for a folder output).</summary>
    public void Complete(SequenceOutput? output, CancellationToken cancellationToken)
    {
        if (output is null) return;
        cancellationToken.ThrowIfCancellationRequested();
        var clock = Stopwatch.StartNew();
        try
        {
            output.Complete();
        }
        catch (FrameSinkException) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(cancellationToken); // Ctrl-C reached ffmpeg too
        }
        _encode += clock.Elapsed.TotalSeconds;
        _encodeBackground = output.WriterSeconds;
    }

    /// <summary>
    /// The frame rate a GIF really plays at: its delays are whole hundredths of a second, so 24 fps is stored as 4/100 s
    /// (25 fps); the rate asked for is named when it differs.
    /// </summary>
    internal static string GifRate(FrameRate rate)
    {
        var delay = GifFileSink.DelayOf(rate);
        var played = 100.0 / delay;
        return played == rate.Value
            ? $"{rate} fps"
            : string.Create(CultureInfo.InvariantCulture, $"{played:0.##} fps: GIF delays are whole hundredths of a second, {delay}/100 s is the nearest to {rate} fps");
    }

    private static void Feed(SequenceOutput output, SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.Rgb24> frame, CancellationToken cancellationToken)
    {
        try
        {
            output.Add(frame);
        }
        catch (FrameSinkException) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(cancellationToken); // Ctrl-C reached ffmpeg too
        }
    }

    /// <summary>
    /// Removes the job folder after a GIF or video was written (unless --keep-frames, or when it holds frames past the
    /// <paramref name="frames"/> written: a rerun asking for fewer frames than an earlier one made keeps them); prints the
    /// summary and the JSON report.
    /// </summary>
    public void Finish(SequenceJob job, string command, string input, int width, int height, FrameRate rate, int frames, int firstFrame, int seed, double loadSeconds,
        Stopwatch total)
    {
        var records = job.Frames.Take(frames).Select(f => new SequenceReport.FrameInfo(f.Index, f.Seed, f.Seconds, f.Index < firstFrame)).ToList();
        var report = new SequenceReport(command, Path.GetFullPath(input), _sequence.Output, job.Folder, width, height, rate.ToString(), frames, firstFrame,
            seed, SequenceReportSettings.From(job.Description.Settings, _dream),
            new SequenceReport.TimingInfo(loadSeconds, _read, _prepare, _dreamSeconds, _write, _encode, _encodeBackground, total.Elapsed.TotalSeconds), records);
        var beyond = job.FramesDone - frames;
        if (_sequence.OutputKind != SequenceOutputKind.Folder && !_sequence.KeepFrames && beyond <= 0) job.Delete();
        else job.Dispose();
        if (beyond > 0 && !_dream.Quiet)
        {
            _context.Error.WriteLine(_sequence.OutputKind == SequenceOutputKind.Folder
                ? $"note: {job.Folder} holds {job.FramesDone} frames from an earlier run, more than the {frames} asked for; none were removed."
                : $"note: {job.Folder} holds {job.FramesDone} frames from an earlier run, more than the {frames} written; it is kept (--frames {job.FramesDone} writes them all).");
        }
        if (!_dream.Quiet)
        {
            _context.Error.WriteLine(FormattableString.Invariant(
                $"wrote {_sequence.Output} ({Wording.Count(frames, "frame")}, {_written ?? $"{width}x{height}, {rate} fps"}) in {total.Elapsed.TotalSeconds:0.0} s"));
        }
        if (_dream.Json)
        {
            _context.Out.WriteLine(report.ToJson());
            _context.Out.Flush();
        }
    }
}
