using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace DeepDream.ApiDoc;

/// <summary>Turns the content of an XML documentation element into Markdown.</summary>
/// <param name="crefToMarkdown">Renders a <c>cref</c> (a documentation ID) as a link or code span.</param>
internal sealed partial class DocText(Func<string, string> crefToMarkdown)
{
    private const string Break = "\u0001";

    /// <summary>The element's content as Markdown paragraphs separated by blank lines.</summary>
    public string Render(XElement? element)
    {
        if (element is null) return "";
        var sb = new StringBuilder();
        foreach (var node in element.Nodes()) Append(node, sb);
        var paragraphs = sb.ToString().Split(Break)
            .Select(p => p.StartsWith("```", StringComparison.Ordinal) ? p.TrimEnd() : Spaces().Replace(p, " ").Trim())
            .Where(p => p.Length > 0);
        return FinishLists(string.Join("\n\n", paragraphs));
    }

    /// <summary>Like <see cref="Render"/> but on one line (for list items).</summary>
    public string Inline(XElement? element) => Render(element).Replace("\n\n", " ", StringComparison.Ordinal);

    private void Append(XNode node, StringBuilder sb)
    {
        switch (node)
        {
            case XText text:
                sb.Append(Escape(text.Value));
                break;
            case XElement e:
                switch (e.Name.LocalName)
                {
                    case "c":
                        sb.Append(Code(e.Value));
                        break;
                    case "paramref" or "typeparamref":
                        sb.Append(Code((string?)e.Attribute("name") ?? ""));
                        break;
                    case "see" or "seealso":
                        if (e.Attribute("langword")?.Value is { } word) sb.Append(Code(word));
                        else if (e.Attribute("href")?.Value is { } href) sb.Append('[').Append(e.Value.Length > 0 ? Escape(e.Value) : href).Append("](").Append(href).Append(')');
                        else if (e.Attribute("cref")?.Value is { } cref) sb.Append(crefToMarkdown(cref));
                        break;
                    case "para":
                        sb.Append(Break);
                        foreach (var child in e.Nodes()) Append(child, sb);
                        sb.Append(Break);
                        break;
                    case "code":
                        sb.Append(Break).Append("```csharp\n").Append(Dedent(e.Value)).Append("\n```").Append(Break);
                        break;
                    case "example":
                        sb.Append(Break).Append("**Example**").Append(Break);
                        foreach (var child in e.Nodes()) Append(child, sb);
                        sb.Append(Break);
                        break;
                    case "list":
                        AppendList(e, sb);
                        break;
                    case "br":
                        sb.Append(Break);
                        break;
                    default:
                        foreach (var child in e.Nodes()) Append(child, sb);
                        break;
                }
                break;
        }
    }

    private void AppendList(XElement list, StringBuilder sb)
    {
        var numbered = (string?)list.Attribute("type") == "number";
        var n = 1;
        sb.Append(Break);
        var items = new List<string>();
        foreach (var item in list.Elements("item"))
        {
            var term = item.Element("term");
            var description = item.Element("description") ?? item;
            var text = term is null ? Inline(description) : $"**{Inline(term)}** — {Inline(description)}";
            items.Add((numbered ? $"{n++}. " : "- ") + text);
        }
        // A list is one paragraph with hard line starts; keep its newlines through the whitespace collapsing.
        sb.Append("```list\n").Append(string.Join("\n", items)).Append("\n```").Append(Break);
    }

    /// <summary>Restores lists that <see cref="Render"/> protected from whitespace collapsing.</summary>
    private static string FinishLists(string markdown) => ListBlock().Replace(markdown, m => m.Groups[1].Value);

    public static string Code(string text)
    {
        text = Spaces().Replace(text, " ").Trim();
        return text.Contains('`', StringComparison.Ordinal) ? "`` " + text + " ``" : "`" + text + "`";
    }

    private static string Escape(string text)
    {
        var sb = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var ch = text[i];
            var wordStart = i == 0 || char.IsWhiteSpace(text[i - 1]);
            switch (ch)
            {
                case '<': sb.Append("&lt;"); break;
                case '*': sb.Append("\\*"); break;
                case '`': sb.Append("\\`"); break;
                case '_' when wordStart: sb.Append("\\_"); break;
                default: sb.Append(ch); break;
            }
        }
        return sb.ToString();
    }

    private static string Dedent(string code)
    {
        var lines = code.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n').ToList();
        while (lines.Count > 0 && lines[0].Trim().Length == 0) lines.RemoveAt(0);
        while (lines.Count > 0 && lines[^1].Trim().Length == 0) lines.RemoveAt(lines.Count - 1);
        var indent = lines.Where(l => l.Trim().Length > 0).Select(l => l.Length - l.TrimStart().Length).DefaultIfEmpty(0).Min();
        return string.Join("\n", lines.Select(l => l.Length >= indent ? l[indent..] : l.TrimStart()));
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();

    [GeneratedRegex(@"```list\n(.*?)\n```", RegexOptions.Singleline)]
    private static partial Regex ListBlock();
}
