using DeepDream.Diagnostics;
using System.Buffers;
using System.Reflection;
using System.Runtime.InteropServices;
using DeepDream.Features;
using static TorchSharp.torch;

namespace DeepDream.Models.Onnx;

/// <summary>Reads ONNX files and embedded resources into graphs and extractors, turning every failure into a <see cref="ModelLoadException"/>.</summary>
internal static class OnnxModelLoader
{
    public static OnnxFeatureExtractor LoadFile(string path, Preprocessing preprocessing, OnnxImportOptions options, Device device)
    {
        Guard.NotBlank(path, nameof(path));
        ArgumentNullException.ThrowIfNull(preprocessing);
        ArgumentNullException.ThrowIfNull(options);
        var full = Path.GetFullPath(path);
        if (Directory.Exists(full)) throw new ModelLoadException($"'{full}' is a folder, not an ONNX model file.");
        if (!File.Exists(full)) throw new ModelLoadException($"The ONNX model file '{full}' does not exist. Check the path.");
        byte[] bytes;
        try
        {
            bytes = ReadModelFile(full);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModelLoadException($"The ONNX model file '{full}' could not be read: {e.Message}", e);
        }
        var name = options.Name ?? Path.GetFileNameWithoutExtension(full);
        return Load(bytes, full, Path.GetDirectoryName(full), name, preprocessing, options, device);
    }

    /// <summary>The largest ONNX file: protobuf messages are limited to 2 GiB (bigger models keep weights as external data).</summary>
    internal const long MaxFileBytes = int.MaxValue;

    /// <summary>
    /// Reads a model file whole, after checking its size in the folder entry: pipes, FIFOs and devices (size 0, such as
    /// <c>/dev/zero</c>) are refused without being opened — a model needs random access, and reading one until it ends
    /// could block forever or exhaust memory — and files over <see cref="MaxFileBytes"/> are refused before any allocation.
    /// </summary>
    private static byte[] ReadModelFile(string full)
    {
        var length = SourceFiles.Length(full);
        if (length == 0)
            throw new ModelLoadException($"The ONNX model file '{full}' is empty (0 bytes), or is a pipe or device rather than a regular file; a model must be a regular file.");
        if (length > MaxFileBytes)
            throw new ModelLoadException($"The ONNX model file '{full}' is {length} bytes, above protobuf's 2 GiB limit for one ONNX file; save large weights as external data.");
        var bytes = new byte[length];
        using var handle = File.OpenHandle(full, FileMode.Open, FileAccess.Read, FileShare.Read);
        var done = 0;
        while (done < bytes.Length)
        {
            var read = RandomAccess.Read(handle, bytes.AsSpan(done), done);
            if (read <= 0) throw new ModelLoadException($"The ONNX model file '{full}' ended after {done} of its {length} bytes (it changed while being read).");
            done += read;
        }
        return bytes;
    }

    /// <summary>Builds the graph of an ONNX model embedded in <paramref name="assembly"/>.</summary>
    public static unsafe OnnxGraph LoadResourceGraph(Assembly assembly, string resourceName, OnnxImportOptions options, Device device)
    {
        using var stream = assembly.GetManifestResourceStream(resourceName)
            ?? throw new ModelLoadException($"The embedded model resource '{resourceName}' is missing from {assembly.GetName().Name}; the package is damaged. Reinstall DeepDream.Net.");
        var source = $"embedded resource '{resourceName}'";
        if (stream is UnmanagedMemoryStream unmanaged && unmanaged.Length <= int.MaxValue)
        {
            // Embedded resources are mapped with the assembly: read them in place, without a managed copy.
            using var manager = new UnmanagedMemoryManager(unmanaged.PositionPointer, (int)unmanaged.Length);
            return BuildGraph(manager.Memory, source, null, options, device);
        }
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return BuildGraph(copy.ToArray(), source, null, options, device);
    }

    /// <summary>Parses and builds a graph; every error names <paramref name="source"/>.</summary>
    public static OnnxGraph BuildGraph(ReadOnlyMemory<byte> bytes, string source, string? directory, OnnxImportOptions options, Device device,
        IReadOnlyDictionary<string, Tensor>? boundInputs = null)
    {
        try
        {
            if (bytes.Length == 0) throw new OnnxFormatException("the file is empty");
            var model = OnnxProtoParser.ParseModel(bytes.Span);
            if (model.Graph.Nodes.Count == 0) throw new OnnxFormatException("the graph has no nodes");
            return OnnxGraphBuilder.Build(model, bytes, directory, options, device, boundInputs);
        }
        catch (OnnxFormatException e)
        {
            throw new ModelLoadException($"{Capitalize(source)} is not a valid ONNX model: {e.Message}.", e);
        }
        catch (OnnxModelLoadError e)
        {
            throw new ModelLoadException($"{Capitalize(source)} cannot be imported: {e.Message}", e);
        }
        catch (Exception e) when (e is ExternalException or InvalidOperationException or ArgumentException or IOException
            or OverflowException or IndexOutOfRangeException or KeyNotFoundException or OutOfMemoryException or UnauthorizedAccessException)
        {
            throw new ModelLoadException($"{Capitalize(source)} could not be loaded: {NativeErrors.Summary(e)}", e);
        }
    }

    private static OnnxFeatureExtractor Load(ReadOnlyMemory<byte> bytes, string source, string? directory, string name,
        Preprocessing preprocessing, OnnxImportOptions options, Device device)
    {
        var graph = BuildGraph(bytes, $"'{source}'", directory, options, device);
        try
        {
            return new OnnxFeatureExtractor(name, graph, preprocessing, options.LayerAliases ?? new Dictionary<string, string>(), device,
                options.ResizeForFixedSizeLayers, options.SymmetricPadsFromBegin);
        }
        catch (ArgumentException e)
        {
            graph.Dispose();
            throw new ModelLoadException($"'{source}': {e.Message}", e);
        }
    }

    private static string Capitalize(string s) => s.Length > 0 && char.IsLower(s[0]) ? char.ToUpperInvariant(s[0]) + s[1..] : s;

    /// <summary>Exposes unmanaged memory (a mapped resource) as <see cref="Memory{T}"/>.</summary>
    private sealed unsafe class UnmanagedMemoryManager(byte* pointer, int length) : MemoryManager<byte>
    {
        public override Span<byte> GetSpan() => new(pointer, length);

        public override MemoryHandle Pin(int elementIndex = 0) => new(pointer + elementIndex);

        public override void Unpin() { }

        protected override void Dispose(bool disposing) { }
    }
}
