using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace DeepDream.Sequences.Media;

/// <summary>Frames in: a video file (ffmpeg), an animated GIF, or a folder of numbered images.</summary>
public interface IFrameSource : IDisposable
{
    /// <summary>The input, for messages (a path).</summary>
    string Description { get; }

    /// <summary>Frame width.</summary>
    int Width { get; }

    /// <summary>Frame height.</summary>
    int Height { get; }

    /// <summary>The frame rate (for a frame folder, the one it was opened with).</summary>
    FrameRate FrameRate { get; }

    /// <summary>The number of frames, when known before reading them (at least 1).</summary>
    int? FrameCount { get; }

    /// <summary>Whether the input has an audio stream (that a video output can copy).</summary>
    bool HasAudio { get; }

    /// <summary>Reads the frames in order, one at a time; each image is owned by the caller.</summary>
    /// <param name="cancellationToken">Stops reading.</param>
    /// <returns>The frames.</returns>
    /// <exception cref="FrameSourceException">A frame cannot be read, or has another size than the first.</exception>
    IEnumerable<Image<Rgb24>> ReadFrames(CancellationToken cancellationToken = default);
}

/// <summary>Frames out: a video file (ffmpeg) or an animated GIF, written to a temporary file and renamed when complete.</summary>
public interface IFrameSink : IDisposable
{
    /// <summary>Appends a frame (the size given when the sink was created).</summary>
    /// <param name="frame">The frame; not kept.</param>
    /// <exception cref="FrameSinkException">The frame cannot be written.</exception>
    void Write(Image<Rgb24> frame);

    /// <summary>Finishes the file and moves it into place (replacing an existing one). Disposing without completing discards it.</summary>
    /// <exception cref="FrameSinkException">The file cannot be finished.</exception>
    void Complete();
}
