using System.CommandLine;
using System.Runtime.InteropServices;

namespace DeepDream.Cli;

/// <summary>The <c>deepdream</c> entry point.</summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        using var cancellation = new CancellationTokenSource();
        var terminated = 0;
        // The first Ctrl-C (SIGINT) or SIGTERM cancels the run: it stops within one tile, removes its temporary files and
        // exits 130 (SIGINT) or 143 (SIGTERM). A second signal, while the first is still being honoured, ends the process
        // the default way.
        PosixSignalRegistration Register(PosixSignal signal) => PosixSignalRegistration.Create(signal, context =>
        {
            if (cancellation.IsCancellationRequested) return;
            context.Cancel = true;
            if (signal == PosixSignal.SIGTERM) Volatile.Write(ref terminated, 1);
            cancellation.Cancel();
        });
        using var sigint = Register(PosixSignal.SIGINT);
        using var sigterm = Register(PosixSignal.SIGTERM);
        var context = new CliContext(Console.Out, Console.Error, ErrorIsTerminal: !Console.IsErrorRedirected);
        var code = await RunAsync(args, context, cancellation.Token).ConfigureAwait(false);
        return code == ExitCodes.Cancelled && Volatile.Read(ref terminated) == 1 ? ExitCodes.Terminated : code;
    }

    /// <summary>Runs the tool in-process, writing to the given writers; returns the exit code.</summary>
    internal static Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken) =>
        RunAsync(args, new CliContext(stdout, stderr, ErrorIsTerminal: false), cancellationToken);

    /// <summary>Runs the tool in-process with an explicit context; returns the exit code.</summary>
    internal static async Task<int> RunAsync(string[] args, CliContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(context);
        var root = CreateRootCommand(context);
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors) context.Error.WriteLine("error: " + ErrorReporter.FriendlyTypeNames(error.Message));
            var command = parse.CommandResult.Command;
            var name = command == root ? "deepdream" : "deepdream " + command.Name;
            context.Error.WriteLine($"Run '{name} --help' for usage.");
            return ExitCodes.Usage;
        }
        var invocation = new InvocationConfiguration
        {
            Output = context.Out,
            Error = context.Error,
            ProcessTerminationTimeout = null, // Ctrl-C is handled in Main, through the cancellation token.
            EnableDefaultExceptionHandler = false,
        };
        try
        {
            return await parse.InvokeAsync(invocation, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return ErrorReporter.Report(e, context.Error, verbose: args.Contains("--verbose") || args.Contains("-v"), cancellationToken);
        }
    }

    internal static RootCommand CreateRootCommand(CliContext context)
    {
        var root = new RootCommand("deepdream: Google-style deep dreaming on .NET (DeepDream.Net on TorchSharp).");
        root.Subcommands.Add(DreamCommand.Create(context));
        root.Subcommands.Add(ZoomCommand.Create(context));
        root.Subcommands.Add(VideoCommand.Create(context));
        root.Subcommands.Add(LayersCommand.Create(context));
        return root;
    }
}
