using DeepDream.Diagnostics;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace DeepDream.Sequences;

/// <summary>One dreamed frame of a sequence, handed out as soon as it is made.</summary>
public sealed class SequenceFrame
{
    internal SequenceFrame(int index, Image<Rgb24> image, int seed, TimeSpan readTime, TimeSpan prepareTime, TimeSpan dreamTime)
    {
        Index = index;
        Image = image;
        Seed = seed;
        ReadTime = readTime;
        PrepareTime = prepareTime;
        DreamTime = dreamTime;
    }

    /// <summary>The frame's 0-based index in the sequence.</summary>
    public int Index { get; }

    /// <summary>The dreamed frame. Valid until the next frame is requested (the sequence builds on it); clone it to keep it.</summary>
    public Image<Rgb24> Image { get; }

    /// <summary>The seed the frame was dreamed with.</summary>
    public int Seed { get; }

    /// <summary>
    /// Time the sequence waited for the source frame and its optical flow, which are read and measured while the frame
    /// before is dreamed (so mostly zero); zero for a zoom.
    /// </summary>
    public TimeSpan ReadTime { get; }

    /// <summary>Time spent preparing the dreamer's input: the zoom transform, or blending in the previous frame's detail.</summary>
    public TimeSpan PrepareTime { get; }

    /// <summary>Time spent dreaming.</summary>
    public TimeSpan DreamTime { get; }
}

/// <summary>Progress of a sequence: the frame being dreamed and the dream's step within it.</summary>
/// <param name="Frame">0-based index of the frame being dreamed.</param>
/// <param name="FrameCount">Frames in the sequence, when known.</param>
/// <param name="Step">The dream's progress on this frame.</param>
public readonly record struct SequenceProgress(int Frame, int? FrameCount, DreamProgress Step);

/// <summary>Forwards a frame's step reports as <see cref="SequenceProgress"/>.</summary>
internal sealed class FrameProgress(IProgress<SequenceProgress> target, int frame, int? frameCount) : IProgress<DreamProgress>
{
    public void Report(DreamProgress value) => target.Report(new SequenceProgress(frame, frameCount, value));

    public static IProgress<DreamProgress>? For(IProgress<SequenceProgress>? target, int frame, int? frameCount) =>
        target is null ? null : new FrameProgress(target, frame, frameCount);
}
