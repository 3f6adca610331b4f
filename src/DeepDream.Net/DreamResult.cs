using DeepDream.Diagnostics;
using DeepDream.Schedules;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace DeepDream;

/// <summary>Everything a run produced: the image, the seed used, the settings and per-octave measurements.</summary>
public sealed class DreamResult : IDisposable
{
    internal DreamResult(Image<Rgb24> image, int seed, DreamSettings settings, string model, string objective,
        IReadOnlyList<OctaveResult> octaves, TimeSpan elapsed)
    {
        Image = image;
        Seed = seed;
        Settings = settings;
        Model = model;
        Objective = objective;
        Octaves = octaves;
        Elapsed = elapsed;
    }

    /// <summary>The dreamed image, at the input's size. Owned by this result: disposed with it.</summary>
    public Image<Rgb24> Image { get; }

    /// <summary>The seed of the run's random generator (the fixed seed, or the one drawn for this run).</summary>
    public int Seed { get; }

    /// <summary>The settings the run used.</summary>
    public DreamSettings Settings { get; }

    /// <summary>The model's name.</summary>
    public string Model { get; }

    /// <summary>A description of the objective, such as <c>L2(layer3)</c>.</summary>
    public string Objective { get; }

    /// <summary>Per-octave sizes, timings and objective values, smallest octave first.</summary>
    public IReadOnlyList<OctaveResult> Octaves { get; }

    /// <summary>Time spent in the dream loop (conversion to and from the image included).</summary>
    public TimeSpan Elapsed { get; }

    /// <inheritdoc />
    public void Dispose() => Image.Dispose();
}

/// <summary>One octave of a run.</summary>
/// <param name="Index">1-based, smallest octave first.</param>
/// <param name="Size">The octave's size.</param>
/// <param name="Elapsed">Time spent on the octave's steps.</param>
/// <param name="ObjectiveValue">
/// The objective's value at the octave's last step. For a tiled octave it is the sum over tiles, each seen with its
/// context, so overlaps count more than once: compare values between runs with the same tile size only.
/// </param>
public sealed record OctaveResult(int Index, OctaveSize Size, TimeSpan Elapsed, double ObjectiveValue);

/// <summary>The image after an octave, handed to <see cref="DreamRunOptions.OctaveCompleted"/>.</summary>
/// <param name="Index">1-based, smallest octave first.</param>
/// <param name="OctaveCount">Octaves in the run.</param>
/// <param name="Image">The image at the octave's size; valid only during the callback (clone it to keep it).</param>
public sealed record OctaveSnapshot(int Index, int OctaveCount, Image<Rgb24> Image);

/// <summary>Per-run options for <see cref="Dreamer.Dream(Image{Rgb24}, DreamRunOptions?, CancellationToken)"/>.</summary>
public sealed class DreamRunOptions
{
    /// <summary>Creates options with no seed override, no progress and no octave callback.</summary>
    public DreamRunOptions() { }

    /// <summary>A seed for this run, overriding the dreamer's. Null: the dreamer's seed, or a new random one.</summary>
    public int? Seed { get; init; }

    /// <summary>Receives a report after every step. Null: no reports.</summary>
    public IProgress<DreamProgress>? Progress { get; init; }

    /// <summary>
    /// Whether every progress report carries the objective's value. Off by default: computing it costs a reduction and a
    /// device-to-host copy per step, so reports carry it only at each octave's last step (NaN before).
    /// </summary>
    public bool ReportObjectiveValues { get; init; }

    /// <summary>Called with the image after each octave (for example to save intermediate results).</summary>
    public Action<OctaveSnapshot>? OctaveCompleted { get; init; }
}
