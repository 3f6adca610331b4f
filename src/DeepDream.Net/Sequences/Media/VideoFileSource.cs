using System.Diagnostics;
using System.Globalization;
using DeepDream.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace DeepDream.Sequences.Media;

/// <summary>
/// The frames of a video file, decoded by ffmpeg into raw RGB frames on a pipe: one frame in memory at a time, whatever
/// the video's length. Every decoded frame is kept (no frames dropped or duplicated for timing).
/// </summary>
public sealed class VideoFileSource : IFrameSource
{
    private readonly Ffmpeg _ffmpeg;
    private readonly VideoInfo _info;

    private VideoFileSource(Ffmpeg ffmpeg, string path, VideoInfo info)
    {
        _ffmpeg = ffmpeg;
        _info = info;
        Description = path;
    }

    /// <inheritdoc />
    public string Description { get; }

    /// <inheritdoc />
    public int Width => _info.Width;

    /// <inheritdoc />
    public int Height => _info.Height;

    /// <inheritdoc />
    public FrameRate FrameRate => _info.FrameRate;

    /// <inheritdoc />
    public int? FrameCount => _info.FrameCount;

    /// <inheritdoc />
    public bool HasAudio => _info.HasAudio;

    /// <summary>What ffprobe said about the file.</summary>
    public VideoInfo Info => _info;

    /// <summary>Probes a video file (so a bad input fails here, before any work).</summary>
    /// <param name="ffmpeg">The programs.</param>
    /// <param name="path">The video file.</param>
    /// <param name="cancellationToken">Stops the probe.</param>
    /// <returns>The source.</returns>
    /// <exception cref="FrameSourceException">The file is missing, not a video, has no frames, or has frames larger than
    /// <see cref="ImageLoadOptions.DefaultMaxPixels"/> (refused from the probed size, before anything is decoded).</exception>
    public static VideoFileSource Open(Ffmpeg ffmpeg, string path, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ffmpeg);
        var full = Path.GetFullPath(path);
        var info = ffmpeg.Probe(full, cancellationToken);
        var pixels = (long)info.Width * info.Height;
        if (pixels > ImageLoadOptions.DefaultMaxPixels)
        {
            throw new FrameSourceException(string.Create(CultureInfo.InvariantCulture,
                $"The video '{full}' has {info.Width}×{info.Height} frames ({pixels:N0} pixels), above the pixel limit of {ImageLoadOptions.DefaultMaxPixels:N0} pixels (ImageLoadOptions.DefaultMaxPixels); nothing was decoded. Scale the video down first."));
        }
        return new VideoFileSource(ffmpeg, full, info);
    }

    /// <inheritdoc />
    public IEnumerable<Image<Rgb24>> ReadFrames(CancellationToken cancellationToken = default)
    {
        var frameBytes = checked(Width * Height * 3);
        using var process = Ffmpeg.Start(_ffmpeg.FfmpegPath,
            ["-v", "error", "-nostdin", .. Ffmpeg.InputRestrictions, "-i", Description, "-map", "0:v:0", "-vsync", "0", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
            redirectInput: false, redirectOutput: true);
        var errors = new StderrTail(process);
        using var registration = cancellationToken.Register(() => Ffmpeg.Kill(process));
        var output = process.StandardOutput.BaseStream;
        var buffer = new byte[frameBytes];
        var finished = false;
        try
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var read = output.ReadAtLeast(buffer, frameBytes, throwOnEndOfStream: false);
                if (read == 0) break;
                if (read < frameBytes)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    throw new FrameSourceException($"ffmpeg stopped in the middle of a frame of '{Description}' ({errors.Summary("the stream ended early")}).");
                }
                yield return Image.LoadPixelData<Rgb24>(buffer, Width, Height);
            }
            process.WaitForExit();
            cancellationToken.ThrowIfCancellationRequested();
            if (process.ExitCode != 0)
                throw new FrameSourceException($"ffmpeg could not decode '{Description}' ({errors.Summary($"exit code {process.ExitCode}")}).");
            finished = true;
        }
        finally
        {
            if (!finished) Ffmpeg.Kill(process);
        }
    }

    /// <inheritdoc />
    public void Dispose() { }
}

/// <summary>Collects the last lines a child process writes on stderr (read asynchronously so it never blocks).</summary>
internal sealed class StderrTail
{
    private const int MaxLines = 20;
    private readonly Queue<string> _lines = new();

    public StderrTail(Process process)
    {
        process.ErrorDataReceived += (_, e) =>
        {
            if (string.IsNullOrWhiteSpace(e.Data)) return;
            lock (_lines)
            {
                _lines.Enqueue(e.Data.Trim());
                if (_lines.Count > MaxLines) _lines.Dequeue();
            }
        };
        process.BeginErrorReadLine();
    }

    /// <summary>The last line ffmpeg wrote, or <paramref name="fallback"/>.</summary>
    public string Summary(string fallback)
    {
        lock (_lines) return _lines.Count == 0 ? fallback : _lines.Last();
    }
}
