using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using DeepDream.Sequences;
using DeepDream.Sequences.Jobs;
using DeepDream.Sequences.Media;

namespace DeepDream.Cli;

/// <summary><c>deepdream zoom INPUT -o OUTPUT [--frames N --zoom S --rotate DEG --pan DX,DY --fps F] [dream options]</c>.</summary>
internal static class ZoomCommand
{
    public static Command Create(CliContext context)
    {
        var input = new Argument<string>("INPUT") { Description = "The image to start from." }.RefusingEmpty();
        var frames = new Option<int>("--frames") { Description = "Number of frames.", DefaultValueFactory = _ => 48, HelpName = "N" };
        var zoom = new Option<string>("--zoom") { Description = "Zoom per frame (above 1 zooms in).", DefaultValueFactory = _ => "1.05", HelpName = "S" };
        var rotate = new Option<string>("--rotate") { Description = "Rotation per frame in degrees, counter-clockwise.", DefaultValueFactory = _ => "0", HelpName = "DEG" };
        var pan = new Option<string>("--pan") { Description = "Pixels per frame the view moves right and down.", DefaultValueFactory = _ => "0,0", HelpName = "DX,DY" };
        var sequence = new SequenceOptions();
        var dream = new DreamOptions();

        var command = new Command("zoom", "Infinite zoom: dream an image, zoom into the result, dream again, and write the frames as a video, GIF or frame folder.");
        command.Arguments.Add(input);
        command.Options.Add(sequence.Output);
        dream.AddTo(command, [frames, zoom, rotate, pan, .. sequence.All]);
        dream.SetAction(command, context, (result, options, cancellationToken) =>
        {
            var count = result.GetValue(frames);
            if (count < 1) throw new UsageException($"--frames must be at least 1, got {count}.");
            ZoomMotion motion;
            try
            {
                var (dx, dy) = ParsePan(result.GetRequiredValue(pan));
                motion = new ZoomMotion(ValueParsers.ParseDouble(result.GetRequiredValue(zoom), "--zoom"),
                    ValueParsers.ParseDouble(result.GetRequiredValue(rotate), "--rotate"), dx, dy);
            }
            catch (ArgumentOutOfRangeException e)
            {
                throw new UsageException("--zoom must be between 0.1 and 10 (1.05 zooms in 5 % per frame).", e);
            }
            return RunAsync(result.GetRequiredValue(input), count, motion, options, sequence.Read(result), context, cancellationToken);
        });
        return command;
    }

    private static async Task<int> RunAsync(string inputPath, int frameCount, ZoomMotion motion, DreamOptionValues dream, SequenceOptionValues sequence,
        CliContext context, CancellationToken cancellationToken)
    {
        var total = Stopwatch.StartNew();
        var run = new SequenceRun(context, dream, sequence);
        var ffmpeg = run.PrepareOutput(inputNeedsFfmpeg: false);
        run.RefuseInputAsOutput(inputPath);
        using var input = ImageIO.Load(inputPath, cancellationToken);
        if (!dream.Quiet)
        {
            foreach (var warning in input.Warnings) context.Error.WriteLine("warning: " + warning);
        }
        var rate = sequence.FrameRate ?? new FrameRate(24);
        var seed = SequenceOptions.ChooseSeed(dream, sequence, context);
        var settings = SequenceOptions.JobSettings(dream, seed, new Dictionary<string, string>
        {
            ["zoom"] = motion.Zoom.ToString(CultureInfo.InvariantCulture),
            ["rotate"] = motion.RotationDegrees.ToString(CultureInfo.InvariantCulture),
            ["pan"] = string.Create(CultureInfo.InvariantCulture, $"{motion.PanX},{motion.PanY}"),
        });
        using var job = run.OpenJob(new JobDescription("zoom", JobDescription.IdentifyFile(input.Path), settings), input.Rgb.Width, input.Rgb.Height);
        try
        {
            var firstFrame = Math.Min(job.FramesDone, frameCount);
            var width = input.Rgb.Width;
            var height = input.Rgb.Height;
            double loadSeconds = 0;
            using var output = run.StartOutput(job, firstFrame, width, height, rate, ffmpeg, null, null, cancellationToken);
            if (firstFrame < frameCount)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var loaded = LoadedDreamer.Load(dream, context, cancellationToken);
                loadSeconds = loaded.LoadSeconds;
                _ = loaded.Dreamer.OctaveSizes(width, height); // too small an image fails here, before any frame
                using var start = firstFrame == 0 ? input.Rgb.Clone() : job.LoadFrame(firstFrame - 1);
                var progress = new SequenceProgressReporter(context.Error, dream.ProgressMode(context), frameCount, firstFrame);
                var options = new ZoomOptions(frameCount, seed) { Motion = motion, StartFrame = firstFrame };
                var frames = ZoomSequence.RunAsync(FrameDreamer.From(loaded.Dreamer), start, options, progress, cancellationToken);
                await run.RunFramesAsync(job, frames, progress, output, cancellationToken).ConfigureAwait(false);
            }
            run.Complete(output, cancellationToken);
            run.Finish(job, "zoom", inputPath, width, height, rate, Math.Min(job.FramesDone, frameCount), firstFrame, seed, loadSeconds, total);
            return ExitCodes.Success;
        }
        catch (OperationCanceledException e) when (cancellationToken.IsCancellationRequested)
        {
            throw SequenceStoppedException.For(job, e); // the finished frames stay: say so, and how to continue
        }
    }

    private static (double Dx, double Dy) ParsePan(string text)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        if (parts.Length != 2) throw new UsageException($"--pan expects DX,DY in pixels per frame, such as 2,0, got '{text}'.");
        return (ValueParsers.ParseDouble(parts[0], "--pan"), ValueParsers.ParseDouble(parts[1], "--pan"));
    }
}
