using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;
using System.Xml.Linq;

namespace DeepDream.ApiDoc;

/// <summary>Writes the Markdown API reference: contents, then one section per namespace and public type.</summary>
internal sealed partial class ApiWriter
{
    private const BindingFlags Declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    private readonly Assembly _assembly;
    private readonly XmlDocs _docs;
    private readonly CSharpNames _names = new();
    private readonly DocText _text;
    private readonly Dictionary<string, (string Anchor, string Display)> _targets = new(StringComparer.Ordinal);
    private readonly HashSet<string> _anchors = new(StringComparer.Ordinal);
    private readonly List<Type> _types;

    public ApiWriter(Assembly assembly, XmlDocs docs)
    {
        _assembly = assembly;
        _docs = docs;
        _text = new DocText(CrefToMarkdown);
        _types = assembly.GetExportedTypes()
            .Where(t => !t.IsDefined(typeof(CompilerGeneratedAttribute), false))
            .OrderBy(t => t.Namespace, StringComparer.Ordinal).ThenBy(CSharpNames.ShortName, StringComparer.Ordinal)
            .ToList();
        foreach (var type in _types)
        {
            _targets[DocIds.Of(type)] = (NewAnchor(type.FullName!), CSharpNames.ShortName(type));
            foreach (var member in Members(type))
                _targets[DocIds.Of(member)] = (NewAnchor(DocIds.Of(member)), CSharpNames.ShortName(type) + "." + ShortMemberName(member));
        }
    }

    /// <summary>Public types and members without a <c>&lt;summary&gt;</c> (after resolving <c>inheritdoc</c>).</summary>
    public List<string> Undocumented { get; } = [];

    /// <summary>Members whose <c>inheritdoc</c> points outside the assembly, so their text could not be shown.</summary>
    public List<string> InheritedFromOutside { get; } = [];

    public string Write()
    {
        var sb = new StringBuilder();
        var name = _assembly.GetName();
        sb.Append("# DeepDream.Net API reference\n\n");
        sb.Append(System.Globalization.CultureInfo.InvariantCulture,
            $"Public API of {name.Name} {name.Version?.ToString(3)}, generated from the assembly and its XML documentation by `tools/ApiDoc`. ");
        sb.Append("Do not edit by hand: run `tools/make-api-docs.sh`. For guides see [getting started](getting-started.md), ");
        sb.Append("[concepts](concepts.md) and [models](models.md).\n\n");

        sb.Append("## Contents\n\n");
        foreach (var ns in _types.GroupBy(t => t.Namespace ?? ""))
        {
            sb.Append("- [").Append(ns.Key).Append("](#").Append(NamespaceAnchor(ns.Key)).Append(")\n");
            foreach (var type in ns)
            {
                sb.Append("  - [").Append(CSharpNames.ShortName(type).Replace("<", "&lt;", StringComparison.Ordinal)).Append("](#")
                    .Append(_targets[DocIds.Of(type)].Anchor).Append(") — ").Append(CSharpNames.Kind(type));
                var summary = LinkText().Replace(FirstSentence(_text.Inline(_docs.For(type, out _)?.Element("summary"))), "$1");
                if (summary.Length > 0) sb.Append(": ").Append(summary);
                sb.Append('\n');
            }
        }
        sb.Append('\n');

        foreach (var ns in _types.GroupBy(t => t.Namespace ?? ""))
        {
            sb.Append("<a id=\"").Append(NamespaceAnchor(ns.Key)).Append("\"></a>\n\n");
            sb.Append("## Namespace ").Append(ns.Key).Append("\n\n");
            foreach (var type in ns) WriteType(type, sb);
        }
        return sb.ToString().TrimEnd() + "\n";
    }

    private void WriteType(Type type, StringBuilder sb)
    {
        var id = DocIds.Of(type);
        sb.Append("<a id=\"").Append(_targets[id].Anchor).Append("\"></a>\n\n");
        sb.Append("### ").Append(CSharpNames.ShortName(type).Replace("<", "&lt;", StringComparison.Ordinal)).Append(' ').Append(CSharpNames.Kind(type)).Append("\n\n");
        sb.Append("```csharp\n").Append(_names.TypeDeclaration(type)).Append("\n```\n\n");
        var doc = Doc(type, type.FullName!);
        WriteDoc(doc, sb, isType: true);

        if (type.IsEnum)
        {
            sb.Append("| Value | | Meaning |\n|---|---|---|\n");
            foreach (var field in type.GetFields(BindingFlags.Public | BindingFlags.Static).OrderBy(f => f.MetadataToken))
            {
                var summary = _text.Inline(Doc(field, type.FullName + "." + field.Name)?.Element("summary")).Replace("|", "\\|", StringComparison.Ordinal);
                sb.Append("| `").Append(field.Name).Append("` | ").Append(Convert.ToInt64(field.GetRawConstantValue(), System.Globalization.CultureInfo.InvariantCulture))
                    .Append(" | ").Append(summary).Append(" |\n");
            }
            sb.Append('\n');
            return;
        }

        foreach (var group in Members(type).GroupBy(Group).OrderBy(g => g.Key.Order))
        {
            sb.Append("**").Append(group.Key.Title).Append("**\n\n");
            foreach (var member in group) WriteMember(type, member, sb);
        }
    }

    private void WriteMember(Type type, MemberInfo member, StringBuilder sb)
    {
        var id = DocIds.Of(member);
        sb.Append("<a id=\"").Append(_targets[id].Anchor).Append("\"></a>\n\n");
        sb.Append("#### ").Append(CSharpNames.ShortName(type).Replace("<", "&lt;", StringComparison.Ordinal)).Append('.')
            .Append(ShortMemberName(member).Replace("<", "&lt;", StringComparison.Ordinal)).Append("\n\n");
        sb.Append("```csharp\n").Append(_names.Declaration(member)).Append("\n```\n\n");
        WriteDoc(Doc(member, type.FullName + "." + ShortMemberName(member)), sb, isType: false);
    }

    private XElement? Doc(MemberInfo member, string label)
    {
        var doc = _docs.For(member, out var outside);
        if (outside is not null)
        {
            InheritedFromOutside.Add($"{label} (inheritdoc from {outside.DeclaringType?.FullName ?? ((Type)outside).FullName}.{outside.Name})");
            doc ??= new XElement("member");
            if (doc.Element("summary") is null)
                doc.AddFirst(new XElement("summary", "Implements ", new XElement("c", $"{(outside.DeclaringType ?? (Type)outside).Name}.{outside.Name}"), "."));
        }
        else if (doc?.Element("summary") is null)
        {
            Undocumented.Add(label + (doc is null ? " (no documentation at all)" : " (no <summary>)"));
        }
        return doc;
    }

    private void WriteDoc(XElement? doc, StringBuilder sb, bool isType)
    {
        if (doc is null) return;
        Paragraph(_text.Render(doc.Element("summary")), sb);
        Paragraph(_text.Render(doc.Element("value")), sb);

        var typeParameters = doc.Elements("typeparam").ToList();
        if (typeParameters.Count > 0)
        {
            sb.Append("Type parameters:\n\n");
            foreach (var p in typeParameters) sb.Append("- `").Append((string?)p.Attribute("name")).Append("`: ").Append(_text.Inline(p)).Append('\n');
            sb.Append('\n');
        }
        var parameters = doc.Elements("param").ToList();
        if (parameters.Count > 0)
        {
            sb.Append(isType ? "Record parameters:\n\n" : "Parameters:\n\n");
            foreach (var p in parameters) sb.Append("- `").Append((string?)p.Attribute("name")).Append("`: ").Append(_text.Inline(p)).Append('\n');
            sb.Append('\n');
        }
        if (doc.Element("returns") is { } returns) sb.Append("Returns: ").Append(_text.Inline(returns)).Append("\n\n");
        var exceptions = doc.Elements("exception").ToList();
        if (exceptions.Count > 0)
        {
            sb.Append("Exceptions:\n\n");
            foreach (var e in exceptions) sb.Append("- ").Append(CrefToMarkdown((string?)e.Attribute("cref") ?? "")).Append(": ").Append(_text.Inline(e)).Append('\n');
            sb.Append('\n');
        }
        if (doc.Element("remarks") is { } remarks)
        {
            var text = _text.Render(remarks);
            if (text.Length > 0) sb.Append("Remarks: ").Append(text).Append("\n\n");
        }
        foreach (var example in doc.Elements("example")) Paragraph(_text.Render(new XElement("x", example)), sb);
    }

    private static void Paragraph(string text, StringBuilder sb)
    {
        if (text.Length > 0) sb.Append(text).Append("\n\n");
    }

    /// <summary>Public and protected members declared by the type, without compiler-generated ones and accessors.</summary>
    private static IEnumerable<MemberInfo> Members(Type type)
    {
        if (type.IsEnum || typeof(Delegate).IsAssignableFrom(type)) return [];
        var protectedVisible = !type.IsSealed;
        bool Visible(MethodBase? m) => m is not null && (m.IsPublic || (protectedVisible && (m.IsFamily || m.IsFamilyOrAssembly)));
        return type.GetMembers(Declared).Where(m => m switch
        {
            ConstructorInfo c => Visible(c) && !c.IsStatic && !(type.IsAbstract && type.IsSealed) && !IsGenerated(c) && !IsRecordCopyConstructor(c),
            MethodInfo mi => Visible(mi) && !IsGenerated(mi) && (!mi.IsSpecialName || IsOperator(mi)),
            PropertyInfo p => (Visible(p.GetMethod) || Visible(p.SetMethod)) && !IsGenerated(p),
            FieldInfo f => (f.IsPublic || (protectedVisible && (f.IsFamily || f.IsFamilyOrAssembly))) && !IsGenerated(f),
            EventInfo e => Visible(e.AddMethod) && !IsGenerated(e),
            _ => false,
        }).OrderBy(m => m.MetadataToken);
    }

    private static bool IsOperator(MethodInfo m) => CSharpNames.OperatorSymbol(m) is not null || m.Name is "op_Implicit" or "op_Explicit";

    private static bool IsGenerated(MemberInfo m) => m.IsDefined(typeof(CompilerGeneratedAttribute), false);

    private static bool IsRecordCopyConstructor(ConstructorInfo c) =>
        CSharpNames.Kind(c.DeclaringType!) == "record" && c.GetParameters() is [{ } p] && p.ParameterType == c.DeclaringType && c.IsFamily;

    private static (int Order, string Title) Group(MemberInfo m) => m switch
    {
        ConstructorInfo => (0, "Constructors"),
        FieldInfo { IsLiteral: true } => (1, "Constants"),
        FieldInfo => (2, "Fields"),
        PropertyInfo => (3, "Properties"),
        MethodInfo mi when mi.IsSpecialName => (5, "Operators"),
        MethodInfo => (4, "Methods"),
        EventInfo => (6, "Events"),
        _ => (7, "Other"),
    };

    private string ShortMemberName(MemberInfo m) => m switch
    {
        ConstructorInfo c => CSharpNames.ShortName(c.DeclaringType!).Split('<')[0].Split('.')[^1] + ParameterTypes(c),
        MethodInfo mi when mi.Name is "op_Implicit" or "op_Explicit" => (mi.Name == "op_Implicit" ? "implicit operator " : "explicit operator ") + _names.Name(mi.ReturnParameter) + ParameterTypes(mi),
        MethodInfo mi when mi.IsSpecialName && CSharpNames.OperatorSymbol(mi) is { } op => "operator " + op + ParameterTypes(mi),
        MethodInfo mi => mi.Name + (mi.IsGenericMethodDefinition ? "<" + string.Join(", ", mi.GetGenericArguments().Select(a => a.Name)) + ">" : "") + ParameterTypes(mi),
        PropertyInfo p when p.GetIndexParameters().Length > 0 => "this[" + string.Join(", ", p.GetIndexParameters().Select(_names.Name)) + "]",
        _ => m.Name,
    };

    private string ParameterTypes(MethodBase m) => "(" + string.Join(", ", m.GetParameters().Select(_names.Name)) + ")";

    private string CrefToMarkdown(string cref)
    {
        if (_targets.TryGetValue(cref, out var target)) return "[" + DocText.Code(target.Display) + "](#" + target.Anchor + ")";
        // Outside this assembly (or a member group): the last name, as code.
        var body = cref.Length > 2 && cref[1] == ':' ? cref[2..] : cref;
        var paren = body.IndexOf('(', StringComparison.Ordinal);
        if (paren >= 0) body = body[..paren];
        var parts = body.Split('.');
        var shown = cref.StartsWith("T:", StringComparison.Ordinal) || parts.Length < 2 ? parts[^1] : parts[^2] + "." + parts[^1];
        shown = shown.Replace("#ctor", "ctor", StringComparison.Ordinal);
        var tick = shown.IndexOf('`', StringComparison.Ordinal);
        if (tick >= 0) shown = shown[..tick] + "<…>";
        return DocText.Code(shown);
    }

    private static string FirstSentence(string text)
    {
        var end = text.IndexOf(". ", StringComparison.Ordinal);
        return end < 0 ? text : text[..(end + 1)];
    }

    private static string NamespaceAnchor(string ns) => "ns-" + ns.ToLowerInvariant().Replace('.', '-');

    private string NewAnchor(string name)
    {
        var sb = new StringBuilder();
        foreach (var ch in name.ToLowerInvariant())
            sb.Append(char.IsAsciiLetterOrDigit(ch) ? ch : '-');
        var anchor = System.Text.RegularExpressions.Regex.Replace(sb.ToString(), "-+", "-").Trim('-');
        var unique = anchor;
        for (var i = 2; !_anchors.Add(unique); i++) unique = anchor + "-" + i;
        return unique;
    }

    /// <summary>A Markdown link; group 1 is its text.</summary>
    [System.Text.RegularExpressions.GeneratedRegex(@"\[(`[^`]*`)\]\(#[^)]*\)")]
    private static partial System.Text.RegularExpressions.Regex LinkText();
}
