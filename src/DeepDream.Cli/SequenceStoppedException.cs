using System.Globalization;
using DeepDream.Sequences.Jobs;

namespace DeepDream.Cli;

/// <summary>
/// A sequence run stopped by Ctrl-C or SIGTERM (exit 130/143), with a message that says what was kept: the finished frames
/// stay in the job's frame folder, and running the same command again continues after them.
/// </summary>
internal sealed class SequenceStoppedException : OperationCanceledException
{
    private SequenceStoppedException(string message, OperationCanceledException cause) : base(message, cause, cause.CancellationToken) { }

    /// <summary>The exception for a batch stopped after writing <paramref name="written"/> (at least one) image(s) into <paramref name="folder"/>.</summary>
    public static SequenceStoppedException ForBatch(int written, string folder, OperationCanceledException cause)
    {
        var images = written == 1 ? "1 image" : written.ToString(CultureInfo.InvariantCulture) + " images";
        return new SequenceStoppedException($"Stopped; {images} written into {folder} — run the same command again to continue.", cause);
    }

    /// <summary>
    /// The exception for a run of <paramref name="job"/> stopped by <paramref name="cause"/>. A job without a finished frame
    /// is removed (its folder too when nothing else is in it), so the stop leaves nothing behind.
    /// </summary>
    public static SequenceStoppedException For(SequenceJob job, OperationCanceledException cause)
    {
        var done = job.FramesDone;
        if (done == 0)
        {
            job.Delete();
            return new SequenceStoppedException("Cancelled before the first frame was finished; no output was written.", cause);
        }
        var frames = done == 1 ? "1 finished frame" : done.ToString(CultureInfo.InvariantCulture) + " finished frames";
        var folder = job.Folder.EndsWith(Path.DirectorySeparatorChar) ? job.Folder : job.Folder + Path.DirectorySeparatorChar;
        return new SequenceStoppedException($"Stopped; {frames} kept in {folder} — run the same command again to continue.", cause);
    }
}
