using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using DeepDream.Sequences;
using DeepDream.Sequences.Flow;
using DeepDream.Sequences.Jobs;
using DeepDream.Sequences.Media;

namespace DeepDream.Cli;

/// <summary><c>deepdream video INPUT -o OUTPUT [--blend B --flow auto|farneback|none --fps F] [dream options]</c>.</summary>
internal static class VideoCommand
{
    public static Command Create(CliContext context)
    {
        var input = new Argument<string>("INPUT") { Description = "A video file (needs ffmpeg), an animated GIF, or a folder of numbered frames." }.RefusingEmpty();
        var blend = new Option<string>("--blend") { Description = "Weight 0..1 of the previous frame's dream carried into the next (0: each frame on its own).", DefaultValueFactory = _ => "0.5", HelpName = "B" };
        var flow = new Option<string>("--flow")
        {
            Description = "How the carried dream follows the motion: farneback (optical flow, OpenCV), none, or auto: farneback where OpenCV loads, else none with a warning.",
            DefaultValueFactory = _ => FlowChoice.Auto,
            HelpName = "auto|farneback|none",
        };
        var sequence = new SequenceOptions();
        var dream = new DreamOptions();

        var command = new Command("video", "Dream a video frame by frame, each frame blended with the previous dream along the optical flow, and write a video, GIF or frame folder (the input's audio is kept).");
        command.Arguments.Add(input);
        command.Options.Add(sequence.Output);
        dream.AddTo(command, [blend, flow, .. sequence.All]);
        dream.SetAction(command, context, (result, options, cancellationToken) =>
        {
            var weight = ValueParsers.ParseDouble(result.GetRequiredValue(blend), "--blend");
            if (!(weight >= 0 && weight <= 1)) throw new UsageException($"--blend must be between 0 and 1 (default 0.5), got {result.GetRequiredValue(blend)}.");
            var flowName = FlowChoice.Parse(result.GetRequiredValue(flow));
            return RunAsync(result.GetRequiredValue(input), weight, flowName, options, sequence.Read(result), context, cancellationToken);
        });
        return command;
    }

    private static async Task<int> RunAsync(string inputPath, double blend, string flowName, DreamOptionValues dream, SequenceOptionValues sequence,
        CliContext context, CancellationToken cancellationToken)
    {
        var total = Stopwatch.StartNew();
        var run = new SequenceRun(context, dream, sequence);
        var full = Path.GetFullPath(inputPath);
        var kind = Directory.Exists(full) ? "folder" : Path.GetExtension(full).Equals(".gif", StringComparison.OrdinalIgnoreCase) ? "gif" : "video";
        if (kind == "video" && ImageIO.IsSupportedExtension(full))
            throw new FrameSourceException($"The input '{full}' is a still image, not a video; use deepdream dream or zoom for an image, or give a video file, an animated GIF or a folder of numbered frames.");
        var ffmpeg = run.PrepareOutput(inputNeedsFfmpeg: kind == "video");
        run.RefuseInputAsOutput(full);
        using IFrameSource source = kind switch
        {
            "folder" => FrameFolder.Open(full, sequence.FrameRate ?? new FrameRate(24)),
            "gif" => GifFrameSource.Open(full),
            _ => VideoFileSource.Open(ffmpeg!, full, cancellationToken),
        };
        if (source is FrameFolder inputFrames) run.RefuseFramesOwnedByJob(inputFrames.Files); // a frame may link into the job folder
        var opticalFlow = blend > 0 ? FlowChoice.Resolve(flowName, context, dream.Quiet) : null;
        var rate = sequence.FrameRate ?? source.FrameRate;
        var seed = SequenceOptions.ChooseSeed(dream, sequence, context);
        var identity = source is FrameFolder folder ? JobDescription.IdentifyFiles(folder.Files) : JobDescription.IdentifyFile(full);
        var settings = SequenceOptions.JobSettings(dream, seed, new Dictionary<string, string>
        {
            ["blend"] = blend.ToString(CultureInfo.InvariantCulture),
            ["flow"] = opticalFlow?.Name ?? FlowChoice.None,
        });
        using var job = run.OpenJob(new JobDescription("video", identity, settings), source.Width, source.Height);
        try
        {
            var firstFrame = job.FramesDone;
            double loadSeconds = 0;
            var audio = source is VideoFileSource video ? video.Info : null;
            using var output = run.StartOutput(job, firstFrame, source.Width, source.Height, rate, ffmpeg, audio, full, cancellationToken);
            if (source.FrameCount is not { } count || firstFrame < count)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var loaded = LoadedDreamer.Load(dream, context, cancellationToken);
                loadSeconds = loaded.LoadSeconds;
                _ = loaded.Dreamer.OctaveSizes(source.Width, source.Height); // too small a video fails here, before any frame
                using var previous = firstFrame > 0 && blend > 0 ? job.LoadFrame(firstFrame - 1) : null;
                var progress = new SequenceProgressReporter(context.Error, dream.ProgressMode(context), source.FrameCount, firstFrame);
                var options = new VideoOptions(seed) { Blend = blend, Flow = opticalFlow, StartFrame = firstFrame, PreviousDreamed = previous };
                var frames = VideoSequence.RunAsync(FrameDreamer.From(loaded.Dreamer), source, options, progress, cancellationToken);
                await run.RunFramesAsync(job, frames, progress, output, cancellationToken).ConfigureAwait(false);
            }
            cancellationToken.ThrowIfCancellationRequested();
            if (job.FramesDone == 0) throw new FileAccessException($"The input '{full}' has no frames to dream on.");
            if (audio?.HasAudio == true && sequence.OutputKind != SequenceOutputKind.Video && !dream.Quiet)
                context.Error.WriteLine("note: the input's audio is not kept in a GIF or frame folder; write a .mp4 or .webm to keep it.");
            run.Complete(output, cancellationToken);
            run.Finish(job, "video", inputPath, source.Width, source.Height, rate, job.FramesDone, firstFrame, seed, loadSeconds, total);
            return ExitCodes.Success;
        }
        catch (OperationCanceledException e) when (cancellationToken.IsCancellationRequested)
        {
            throw SequenceStoppedException.For(job, e); // the finished frames stay: say so, and how to continue
        }
    }
}
