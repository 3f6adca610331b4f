namespace DeepDream.Diagnostics;

/// <summary>A progress report, sent after every step of a run.</summary>
/// <param name="Octave">The octave just worked on, 1-based, smallest first.</param>
/// <param name="OctaveCount">The number of octaves in this run (after limiting to the model's minimum size).</param>
/// <param name="Step">The step just finished within the octave, 1-based.</param>
/// <param name="StepsPerOctave">Steps in each octave.</param>
/// <param name="Width">The octave's width in pixels.</param>
/// <param name="Height">The octave's height in pixels.</param>
/// <param name="ObjectiveValue">
/// The objective's value at this step (before the update): at every step when
/// <see cref="DreamRunOptions.ReportObjectiveValues"/> is set, otherwise only at each octave's last step (NaN before).
/// </param>
/// <param name="Elapsed">Time since the run started.</param>
/// <param name="Fraction">
/// The fraction of the run's work done, in [0,1], tracking time: each step counts in proportion to its octave's pixel
/// count (later octaves are larger and slower), so after octave 3 of 6 it reads about 20 %, not 50 %.
/// </param>
public readonly record struct DreamProgress(
    int Octave, int OctaveCount, int Step, int StepsPerOctave, int Width, int Height, double ObjectiveValue, TimeSpan Elapsed,
    double Fraction)
{
    /// <summary>Steps finished in the whole run.</summary>
    public int CompletedSteps => (Octave - 1) * StepsPerOctave + Step;

    /// <summary>Steps in the whole run.</summary>
    public int TotalSteps => OctaveCount * StepsPerOctave;

    /// <summary>
    /// The estimated time left, from the time so far and <see cref="Fraction"/>; null before any work is measured.
    /// </summary>
    public TimeSpan? Remaining => Fraction > 0 && Elapsed > TimeSpan.Zero
        ? TimeSpan.FromSeconds(Elapsed.TotalSeconds * (1 - Fraction) / Fraction)
        : null;
}
