using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace DeepDream.Sequences.Media;

/// <summary>What ffprobe says about a video file.</summary>
/// <param name="Width">Frame width as decoded (after the file's rotation metadata is applied).</param>
/// <param name="Height">Frame height as decoded.</param>
/// <param name="FrameRate">The video stream's average frame rate.</param>
/// <param name="FrameCount">Video packets counted by the demuxer (one per frame).</param>
/// <param name="HasAudio">Whether the file has an audio stream.</param>
/// <param name="AudioCodec">The first audio stream's codec name (such as <c>aac</c>), or null.</param>
public sealed record VideoInfo(int Width, int Height, FrameRate FrameRate, int FrameCount, bool HasAudio, string? AudioCodec);

/// <summary>
/// The ffmpeg and ffprobe programs, found on PATH, in the folder named by the <c>DEEPDREAM_FFMPEG</c> environment
/// variable (or at the program it names), or where the caller says. Video is decoded and encoded by piping raw RGB
/// frames through them (<see cref="VideoFileSource"/>, <see cref="VideoFileSink"/>).
/// </summary>
/// <remarks>Input files are opened with ordinary container demuxers only (MP4/MOV, Matroska/WebM, AVI, FLV, MPEG-TS/PS,
/// Ogg, ASF, MXF ...): a playlist (HLS <c>#EXTM3U</c>), a concat list or an image pattern is refused, whatever its name,
/// because it would make ffmpeg read other files named inside it.</remarks>
public sealed class Ffmpeg
{
    /// <summary>The environment variable that may name the ffmpeg program (or its folder).</summary>
    public const string EnvironmentVariable = "DEEPDREAM_FFMPEG";

    /// <summary>
    /// The demuxers ffmpeg may use for an input file: ordinary containers only. Playlists and indirections (<c>hls</c>,
    /// <c>concat</c>, <c>dash</c>, image sequences with patterns ...) open other files named inside the input, so a crafted
    /// <c>clip.mp4</c> that is really a playlist could read any file the user can read; ffmpeg refuses those formats itself.
    /// </summary>
    internal const string InputFormats =
        "mov,mp4,m4a,3gp,3g2,mj2,matroska,webm,avi,flv,mpegts,mpeg,ogg,asf,mxf,nut,ivf,yuv4mpegpipe,h264,hevc,m4v,mjpeg,gif";

    /// <summary>The options that go before every <c>-i FILE</c> of ffmpeg and ffprobe: the demuxer allow-list (<see cref="InputFormats"/>).</summary>
    internal static IEnumerable<string> InputRestrictions => ["-format_whitelist", InputFormats];

    private Ffmpeg(string ffmpegPath, string ffprobePath)
    {
        FfmpegPath = ffmpegPath;
        FfprobePath = ffprobePath;
    }

    /// <summary>The ffmpeg program.</summary>
    public string FfmpegPath { get; }

    /// <summary>The ffprobe program (beside ffmpeg, else on PATH).</summary>
    public string FfprobePath { get; }

    /// <summary>Finds ffmpeg and ffprobe.</summary>
    /// <param name="path">The ffmpeg program or its folder; null: <see cref="EnvironmentVariable"/>, else PATH.</param>
    /// <returns>The programs.</returns>
    /// <exception cref="DependencyMissingException">ffmpeg or ffprobe is not found, or the program found does not answer
    /// <c>ffmpeg -version</c>; the message says how to install it.</exception>
    public static Ffmpeg Locate(string? path = null)
    {
        var explicitPath = string.IsNullOrWhiteSpace(path) ? Environment.GetEnvironmentVariable(EnvironmentVariable) : path;
        var source = string.IsNullOrWhiteSpace(path) ? $"the {EnvironmentVariable} environment variable" : "the given path";
        string? ffmpeg;
        if (!string.IsNullOrWhiteSpace(explicitPath))
        {
            var full = Path.GetFullPath(explicitPath);
            ffmpeg = Directory.Exists(full) ? ProgramIn(full, "ffmpeg") : File.Exists(full) ? full : null;
            if (ffmpeg is null)
                throw new DependencyMissingException($"ffmpeg was not found at '{full}' ({source}); point it at the ffmpeg program or its folder.");
        }
        else
        {
            ffmpeg = OnPath("ffmpeg") ?? throw new DependencyMissingException(
                "This needs the ffmpeg program, which was not found on PATH. Install it (Debian/Ubuntu: sudo apt-get install ffmpeg; macOS: brew install ffmpeg; Windows: winget install ffmpeg), or give its location.");
        }
        CheckRuns(ffmpeg);
        var ffprobe = ProgramIn(Path.GetDirectoryName(ffmpeg)!, "ffprobe") ?? OnPath("ffprobe")
            ?? throw new DependencyMissingException($"ffprobe (part of ffmpeg) was not found beside '{ffmpeg}' nor on PATH; install the full ffmpeg package.");
        return new Ffmpeg(ffmpeg, ffprobe);
    }

    /// <summary>Runs <c>ffmpeg -version</c>, so a program that is not ffmpeg (or does not start) fails before any work.</summary>
    private static void CheckRuns(string ffmpeg)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        int code;
        string stdout;
        try
        {
            (code, stdout, _) = Run(ffmpeg, ["-version"], timeout.Token);
        }
        catch (OperationCanceledException e)
        {
            throw new DependencyMissingException($"'{ffmpeg}' did not answer 'ffmpeg -version' within 30 s; point it at the ffmpeg program.", e);
        }
        if (code != 0 || !stdout.StartsWith("ffmpeg version", StringComparison.Ordinal))
            throw new DependencyMissingException($"'{ffmpeg}' does not run as ffmpeg ('-version' gave exit code {code}); point it at the ffmpeg program, or install ffmpeg.");
    }

    /// <summary>Reads a video file's size, frame rate, frame count and audio.</summary>
    /// <param name="path">The file.</param>
    /// <param name="cancellationToken">Stops the probe.</param>
    /// <returns>The facts.</returns>
    /// <exception cref="FrameSourceException">The file is missing, not a regular file, not a video ffmpeg can read, a
    /// playlist or other indirection (see the remarks of <see cref="Ffmpeg"/>), or has no frames.</exception>
    public VideoInfo Probe(string path, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(path);
        var full = Path.GetFullPath(path);
        if (!File.Exists(full)) throw new FrameSourceException($"The input '{full}' does not exist.");
        if (SourceFiles.NotRegularFile(full) is { } why) throw new FrameSourceException($"The input '{full}' cannot be used as a video: {why}.");
        var (code, stdout, stderr) = Run(FfprobePath, ["-v", "error", .. InputRestrictions, "-count_packets", "-print_format", "json", "-show_streams", full], cancellationToken);
        if (code != 0 && stderr.Contains("not on whitelist", StringComparison.Ordinal))
        {
            throw new FrameSourceException(
                $"The input '{full}' is not an ordinary video file (ffmpeg sees a playlist or another format that opens further files); give an MP4, MKV, WebM, AVI, MOV or similar file.");
        }
        if (code != 0)
            throw new FrameSourceException($"The input '{full}' is not a video ffmpeg can read ({FirstLine(stderr, "ffprobe failed")}).");
        using var json = JsonDocument.Parse(stdout);
        var streams = json.RootElement.TryGetProperty("streams", out var s) ? s.EnumerateArray().ToList() : [];
        var video = streams.FirstOrDefault(x => Text(x, "codec_type") == "video" && !IsAttachedPicture(x));
        if (video.ValueKind == JsonValueKind.Undefined)
            throw new FrameSourceException($"The input '{full}' has no video stream; give a video file, an animated GIF or a folder of numbered frames.");
        var audio = streams.FirstOrDefault(x => Text(x, "codec_type") == "audio");
        var width = Number(video, "width");
        var height = Number(video, "height");
        if (Math.Abs(Rotation(video)) % 180 == 90) (width, height) = (height, width);
        var frames = Number(video, "nb_read_packets");
        if (width < 1 || height < 1 || frames < 1)
            throw new FrameSourceException($"The input '{full}' has no video frames to dream on.");
        if (!FrameRate.TryParse(Text(video, "avg_frame_rate"), out var rate) && !FrameRate.TryParse(Text(video, "r_frame_rate"), out rate))
            rate = new FrameRate(25);
        return new VideoInfo(width, height, rate, frames, audio.ValueKind != JsonValueKind.Undefined, audio.ValueKind == JsonValueKind.Undefined ? null : Text(audio, "codec_name"));
    }

    /// <summary>Runs a program to completion and returns its exit code and output.</summary>
    internal static (int Code, string Stdout, string Stderr) Run(string program, IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        using var process = Start(program, arguments, redirectInput: false, redirectOutput: true);
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            process.WaitForExitAsync(cancellationToken).GetAwaiter().GetResult();
            return (process.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
        }
        catch (OperationCanceledException)
        {
            Kill(process);
            throw;
        }
    }

    internal static Process Start(string program, IEnumerable<string> arguments, bool redirectInput, bool redirectOutput)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardInput = redirectInput,
            RedirectStandardOutput = redirectOutput,
            RedirectStandardError = true,
            UseShellExecute = false,
            CreateNoWindow = true,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        try
        {
            return Process.Start(info) ?? throw new DependencyMissingException($"Could not start '{program}'.");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new DependencyMissingException($"Could not start '{program}': {e.Message}", e);
        }
    }

    internal static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            process.WaitForExit(5000);
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException) { }
    }

    internal static string FirstLine(string text, string fallback)
    {
        var line = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
        return string.IsNullOrEmpty(line) ? fallback : line;
    }

    private static bool IsAttachedPicture(JsonElement stream) =>
        stream.TryGetProperty("disposition", out var d) && d.TryGetProperty("attached_pic", out var a) && a.ValueKind == JsonValueKind.Number && a.GetInt32() == 1;

    private static int Rotation(JsonElement stream)
    {
        if (stream.TryGetProperty("side_data_list", out var list))
        {
            foreach (var item in list.EnumerateArray())
            {
                if (item.TryGetProperty("rotation", out var r) && r.ValueKind == JsonValueKind.Number) return (int)r.GetDouble();
            }
        }
        return stream.TryGetProperty("tags", out var tags) && int.TryParse(Text(tags, "rotate"), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var rotate) ? rotate : 0;
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) ? value.ValueKind == JsonValueKind.String ? value.GetString() : value.ToString() : null;

    private static int Number(JsonElement element, string name) =>
        int.TryParse(Text(element, name), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0;

    private static string? OnPath(string name)
    {
        foreach (var folder in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            if (ProgramIn(folder, name) is { } found) return found;
        }
        return null;
    }

    private static string? ProgramIn(string folder, string name)
    {
        foreach (var candidate in OperatingSystem.IsWindows() ? new[] { name + ".exe", name } : [name])
        {
            var path = Path.Combine(folder, candidate);
            if (File.Exists(path)) return Path.GetFullPath(path);
        }
        return null;
    }
}
