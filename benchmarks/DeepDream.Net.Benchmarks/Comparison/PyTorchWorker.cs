using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DeepDream.Benchmarks.Comparison;

/// <summary>
/// The PyTorch side of the comparison: <c>dream.py</c> run with the chroot's Python, either as a long-lived worker that
/// answers one JSON request per line (<see cref="Start"/>) or once in a fresh process (<see cref="RunOnce"/>). Always
/// with <c>OPENBLAS_NUM_THREADS=1</c> and without <c>OPENBLAS_CORETYPE</c>/<c>OPENBLAS_L2_SIZE</c> (OpenBLAS's own
/// threads would fight oneDNN's OpenMP threads for the cores).
/// </summary>
internal sealed class PyTorchWorker : IDisposable
{
    private readonly Process _process;

    private PyTorchWorker(Process process) => _process = process;

    /// <summary>The command line that runs Python in the chroot with the right environment.</summary>
    private static ProcessStartInfo Command(ComparisonSetup setup, IEnumerable<string> arguments)
    {
        var info = new ProcessStartInfo("chroot")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = false,
            UseShellExecute = false,
        };
        foreach (var a in new[] { setup.Chroot, "env", "-u", "OPENBLAS_CORETYPE", "-u", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS=1", "python3", setup.InChroot("dream.py") })
            info.ArgumentList.Add(a);
        foreach (var a in arguments) info.ArgumentList.Add(a);
        return info;
    }

    /// <summary>Starts a worker that keeps its models between requests.</summary>
    public static PyTorchWorker Start(ComparisonSetup setup) =>
        new(Process.Start(Command(setup, ["serve", "--weights", setup.InChroot(ComparisonSetup.WeightsFile), .. setup.ThreadArguments]))
            ?? throw new InvalidOperationException("could not start chroot"));

    /// <summary>Sends one request and waits for its answer.</summary>
    public JsonObject Ask(JsonObject request)
    {
        _process.StandardInput.WriteLine(request.ToJsonString());
        _process.StandardInput.Flush();
        var line = _process.StandardOutput.ReadLine() ?? throw new InvalidOperationException("the PyTorch worker stopped (see its messages above)");
        var reply = JsonNode.Parse(line)!.AsObject();
        if (reply["error"] is { } error) throw new InvalidOperationException("PyTorch worker: " + error);
        return reply;
    }

    /// <summary>One dream in a fresh Python process (no warm-up), for time and peak memory.</summary>
    public static JsonObject RunOnce(ComparisonSetup setup, string variant, string image)
    {
        var info = Command(setup, ["once", "--no-warmup", "--weights", setup.InChroot(ComparisonSetup.WeightsFile), "--variant", variant, "--image", setup.InChroot(image), .. setup.ThreadArguments]);
        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start chroot");
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"dream.py once --variant {variant} failed with exit code {process.ExitCode}");
        return JsonNode.Parse(output.Trim().Split('\n')[^1])!.AsObject();
    }

    /// <summary>Runs a one-off Python script in the chroot (the weight conversion).</summary>
    public static void RunScript(ComparisonSetup setup, string script, params string[] arguments)
    {
        var info = new ProcessStartInfo("chroot") { UseShellExecute = false };
        foreach (var a in new[] { setup.Chroot, "env", "-u", "OPENBLAS_CORETYPE", "-u", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS=1", "python3", setup.InChroot(script) })
            info.ArgumentList.Add(a);
        foreach (var a in arguments) info.ArgumentList.Add(a);
        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start chroot");
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{script} failed with exit code {process.ExitCode}");
    }

    public void Dispose()
    {
        try
        {
            _process.StandardInput.Close();
            if (!_process.WaitForExit(10_000)) _process.Kill();
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
        _process.Dispose();
    }

    /// <summary>A request for one dream.</summary>
    public static JsonObject DreamRequest(string variant, string image, int seed, int steps) =>
        new() { ["variant"] = variant, ["image"] = image, ["seed"] = seed, ["steps"] = steps };

    /// <summary>Reads a number from a reply.</summary>
    public static double Number(JsonObject reply, string key) =>
        reply[key]?.GetValue<double>() ?? throw new InvalidOperationException($"the PyTorch reply has no '{key}': {reply.ToJsonString(new JsonSerializerOptions())}");
}
