using System.Diagnostics;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace DeepDream.Sequences.Media;

/// <summary>
/// Encodes frames into an MP4 (H.264, yuv420p, CRF 18) or WebM (VP9, CRF 32) file through ffmpeg, raw RGB frames piped to
/// its input, optionally with the audio of another file copied in (re-encoded only when the container cannot hold its
/// codec). yuv420p needs even sizes, so an odd width or height loses its last column or row
/// (<see cref="OutputWidth"/>, <see cref="OutputHeight"/>). Written to a temporary file and renamed by <see cref="Complete"/>.
/// </summary>
public sealed class VideoFileSink : IFrameSink
{
    private static readonly string[] Mp4AudioCopy = ["aac", "mp3", "alac", "ac3", "eac3"];
    private static readonly string[] WebmAudioCopy = ["opus", "vorbis"];
    private readonly string _path;
    private readonly string _temporary;
    private readonly int _width;
    private readonly int _height;
    private readonly byte[] _buffer;
    private Process? _process;
    private StderrTail? _errors;

    /// <summary>Starts ffmpeg writing to a temporary file next to <paramref name="path"/>.</summary>
    /// <param name="ffmpeg">The programs.</param>
    /// <param name="path">The <c>.mp4</c> or <c>.webm</c> file to write; its folder must exist.</param>
    /// <param name="width">Frame width.</param>
    /// <param name="height">Frame height.</param>
    /// <param name="rate">The frame rate.</param>
    /// <param name="audioFrom">A file whose first audio stream is copied in, or null.</param>
    /// <param name="audioCodec">That stream's codec (from <see cref="VideoInfo.AudioCodec"/>), to decide between copying and re-encoding.</param>
    /// <exception cref="ArgumentException">The extension is neither .mp4 nor .webm.</exception>
    /// <exception cref="DependencyMissingException">ffmpeg cannot be started.</exception>
    public VideoFileSink(Ffmpeg ffmpeg, string path, int width, int height, FrameRate rate, string? audioFrom = null, string? audioCodec = null)
    {
        ArgumentNullException.ThrowIfNull(ffmpeg);
        ArgumentNullException.ThrowIfNull(path);
        _path = Path.GetFullPath(path);
        var webm = Path.GetExtension(_path).Equals(".webm", StringComparison.OrdinalIgnoreCase);
        if (!webm && !Path.GetExtension(_path).Equals(".mp4", StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException($"A video output must end in .mp4 or .webm, got '{_path}'.", nameof(path));
        if (width < 2 || height < 2) throw new ArgumentOutOfRangeException(nameof(width), $"A video must be at least 2x2 pixels, got {width}x{height}.");
        _width = width;
        _height = height;
        _buffer = new byte[checked(width * height * 3)];
        OutputWidth = width & ~1;
        OutputHeight = height & ~1;
        _temporary = AtomicFile.TemporaryNameFor(_path);

        var args = new List<string> { "-v", "error", "-nostdin", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", $"{width}x{height}", "-framerate", rate.ToString(), "-i", "-" };
        if (audioFrom is not null) args.AddRange([.. Ffmpeg.InputRestrictions, "-i", Path.GetFullPath(audioFrom)]);
        args.AddRange(["-map", "0:v:0"]);
        if (audioFrom is not null)
        {
            var copy = audioCodec is not null && (webm ? WebmAudioCopy : Mp4AudioCopy).Contains(audioCodec, StringComparer.OrdinalIgnoreCase);
            args.AddRange(["-map", "1:a:0", "-c:a"]);
            args.AddRange(copy ? ["copy"] : webm ? ["libopus", "-b:a", "128k"] : ["aac", "-b:a", "192k"]);
        }
        if (OutputWidth != width || OutputHeight != height) args.AddRange(["-vf", $"crop={OutputWidth}:{OutputHeight}:0:0"]);
        args.AddRange(webm
            ? ["-c:v", "libvpx-vp9", "-crf", "32", "-b:v", "0", "-pix_fmt", "yuv420p", "-f", "webm"]
            : ["-c:v", "libx264", "-preset", "medium", "-crf", "18", "-pix_fmt", "yuv420p", "-movflags", "+faststart", "-f", "mp4"]);
        args.Add(_temporary);
        _process = Ffmpeg.Start(ffmpeg.FfmpegPath, args, redirectInput: true, redirectOutput: false);
        _errors = new StderrTail(_process);
    }

    /// <summary>The encoded width (even).</summary>
    public int OutputWidth { get; }

    /// <summary>The encoded height (even).</summary>
    public int OutputHeight { get; }

    /// <inheritdoc />
    public void Write(Image<Rgb24> frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        var process = _process ?? throw new ObjectDisposedException(nameof(VideoFileSink));
        if (frame.Width != _width || frame.Height != _height)
            throw new ArgumentException($"The frame is {frame.Width}x{frame.Height} but the video is {_width}x{_height}.", nameof(frame));
        frame.CopyPixelDataTo(_buffer);
        try
        {
            process.StandardInput.BaseStream.Write(_buffer);
        }
        catch (IOException e)
        {
            throw Failed(e);
        }
    }

    /// <inheritdoc />
    public void Complete()
    {
        var process = _process ?? throw new ObjectDisposedException(nameof(VideoFileSink));
        try
        {
            process.StandardInput.Close();
        }
        catch (IOException e)
        {
            throw Failed(e);
        }
        process.WaitForExit();
        if (process.ExitCode != 0) throw Failed(null);
        try
        {
            File.Move(_temporary, _path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FrameSinkException($"Cannot write the video '{_path}': {e.Message}", e);
        }
        finally
        {
            Discard();
        }
    }

    /// <inheritdoc />
    public void Dispose() => Discard();

    private FrameSinkException Failed(Exception? cause)
    {
        var process = _process;
        if (process is not null && !process.WaitForExit(10_000)) Ffmpeg.Kill(process);
        var message = $"ffmpeg could not write the video '{_path}' ({_errors?.Summary("it stopped early") ?? "it stopped early"}).";
        Discard();
        return new FrameSinkException(message, cause);
    }

    private void Discard()
    {
        if (_process is { } process)
        {
            Ffmpeg.Kill(process);
            process.Dispose();
            _process = null;
        }
        AtomicFile.TryDelete(_temporary);
    }
}
