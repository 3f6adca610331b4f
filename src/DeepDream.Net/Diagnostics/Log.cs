using Microsoft.Extensions.Logging;

namespace DeepDream.Diagnostics;

/// <summary>The library's log events. Event ids are stable: tools may filter on them.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1, EventName = "RunStarted", Level = LogLevel.Information,
        Message = "Dreaming {Width}×{Height} with {Model}, objective {Objective}: octaves {Octaves} × {OctaveScale}, steps {Steps} of {StepSize} per octave, jitter {Jitter}, seed {Seed}, tile {TileSize}, {Precision}")]
    public static partial void RunStarted(ILogger logger, int width, int height, string model, string objective,
        int octaves, double octaveScale, int steps, double stepSize, int jitter, int seed, int tileSize, string precision);

    [LoggerMessage(EventId = 2, EventName = "RunFinished", Level = LogLevel.Information,
        Message = "Dream finished in {ElapsedSeconds:F2} s ({StepsPerSecond:F1} steps/s)")]
    public static partial void RunFinished(ILogger logger, double elapsedSeconds, double stepsPerSecond);

    [LoggerMessage(EventId = 3, EventName = "OctaveStarted", Level = LogLevel.Debug,
        Message = "Octave {Octave}/{Octaves} at {Width}×{Height}")]
    public static partial void OctaveStarted(ILogger logger, int octave, int octaves, int width, int height);

    [LoggerMessage(EventId = 4, EventName = "OctaveFinished", Level = LogLevel.Debug,
        Message = "Octave {Octave}/{Octaves} done in {ElapsedSeconds:F2} s, objective {Objective:G5}")]
    public static partial void OctaveFinished(ILogger logger, int octave, int octaves, double elapsedSeconds, double objective);

    [LoggerMessage(EventId = 5, EventName = "OctavesLimited", Level = LogLevel.Warning,
        Message = "Using {Used} of {Requested} octaves: smaller octaves of this {Width}×{Height} image would fall below the model's minimum of {Minimum} px")]
    public static partial void OctavesLimited(ILogger logger, int used, int requested, int width, int height, int minimum);

    [LoggerMessage(EventId = 6, EventName = "SeedChosen", Level = LogLevel.Information,
        Message = "No seed given; using random seed {Seed}")]
    public static partial void SeedChosen(ILogger logger, int seed);

    [LoggerMessage(EventId = 7, EventName = "RunCancelled", Level = LogLevel.Information,
        Message = "Dream cancelled after {ElapsedSeconds:F2} s")]
    public static partial void RunCancelled(ILogger logger, double elapsedSeconds);

    [LoggerMessage(EventId = 8, EventName = "PrecisionEmulated", Level = LogLevel.Warning,
        Message = "This CPU has no native bfloat16 arithmetic (AVX512-BF16 or AMX): bfloat16 is emulated and several times slower than float32; use Precision.Float32 for speed")]
    public static partial void PrecisionEmulated(ILogger logger);

    [LoggerMessage(EventId = 9, EventName = "OpenMpStartedFirst", Level = LogLevel.Warning,
        Message = "TorchSharp was used before DeepDream.Net, so libtorch's OpenMP threads spin-wait for milliseconds and dreams can run several times slower on a busy machine; set OMP_WAIT_POLICY=PASSIVE and GOMP_SPINCOUNT=1000 in the environment before the application starts, or use DeepDream.Net (e.g. create a DreamBuilder) before the first TorchSharp call")]
    public static partial void OpenMpStartedFirst(ILogger logger);

    [LoggerMessage(EventId = 10, EventName = "GuidePooled", Level = LogLevel.Information,
        Message = "The guide's features at '{Layer}' are {Width}×{Height} positions; pooled to {PooledWidth}×{PooledHeight} (at most {MaxPositions}) so that matching them stays fast")]
    public static partial void GuidePooled(ILogger logger, string layer, int width, int height, int pooledWidth, int pooledHeight, int maxPositions);
}
