// The diagram as one page: inline CSS and SVG, nothing fetched, no script. Sizes are in
// pixels; text is cut to the room it has and given in full in a tooltip (<title>).
extension SequenceDiagram {
    private enum Layout {
        static let gutter = 112
        static let laneWidth = 150
        static let effectsWidth = 460
        static let header = 46
        static let rowHeight = 30
        static let brokenExtra = 26
        static let separator = 30
        /// Lifeline names again every so many rows, so a long page stays readable.
        static let namesEvery = 25
        /// Pixels per character of 11-pixel sans-serif, near enough to cut labels.
        static let charWidth = 6.4
    }

    public func html() -> String {
        let window = self.window
        var page = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <title>\(escape(title))</title>
            <style>\(Self.css)</style>
            </head><body>
            <h1>\(escape(title))</h1>

            """
        for fact in facts { page += "<p class=\"fact\">\(escape(fact))</p>\n" }
        let passed = verdict.hasPrefix("PASS")
        page += "<p class=\"verdict \(passed ? "pass" : "fail")\">\(escape(verdict))</p>\n"
        if let broken = rows.first(where: { $0.broken != nil }) {
            page +=
                "<p class=\"broken\"><a href=\"#broken\">✗ step \(broken.number)</a> \(escape(broken.broken!))</p>\n"
        }
        page += "<p class=\"window\">\(escape(windowNote(window)))</p>\n"
        page += legend()
        page += "<div class=\"diagram\">\n\(svg(window))</div>\n</body></html>\n"
        return page
    }

    func windowNote(_ window: Range<Int>) -> String {
        let count = rows.count
        guard count > 0 else { return "No steps were recorded." }
        let first = rows[window.lowerBound].number, last = rows[window.upperBound - 1].number
        guard window.count < count else { return "All \(count) steps are drawn (\(first)–\(last))." }
        let before = window.lowerBound, after = count - window.upperBound
        let which = rows.contains { $0.broken != nil } ? "around the failure" : "the last ones"
        return
            "This run has \(count) steps; only \(window.count) are drawn (steps \(first)–\(last), \(which)): \(before) before and \(after) after are left out; parley replay FILE prints them all."
    }

    private func legend() -> String {
        func sample(_ body: String) -> String {
            "<svg width=\"64\" height=\"18\" viewBox=\"0 0 64 18\">\(Self.defs)\(body)</svg>"
        }
        let entries = [
            (
                sample("<line class=\"mail\" x1=\"4\" y1=\"9\" x2=\"58\" y2=\"9\" marker-end=\"url(#head)\"/>"),
                "mail delivered"
            ),
            (
                sample(
                    "<line class=\"lost\" x1=\"4\" y1=\"9\" x2=\"52\" y2=\"9\"/><text class=\"x\" x=\"52\" y=\"13\">✗</text>"
                ),
                "mail lost: its actor had retired"
            ),
            (sample("<circle class=\"own\" cx=\"32\" cy=\"9\" r=\"4\"/>"), "a step of the actor's own"),
            (
                sample(
                    "<line class=\"fault disconnect\" x1=\"4\" y1=\"9\" x2=\"58\" y2=\"9\" marker-end=\"url(#faulthead)\"/>"
                ),
                "disconnect"
            ),
            (
                sample("<rect class=\"fault store\" x=\"27\" y=\"4\" width=\"10\" height=\"10\"/>"),
                "store failure or recovery"
            ),
            (sample("<line class=\"band\" x1=\"0\" y1=\"9\" x2=\"64\" y2=\"9\"/>"), "clock jump"),
            (
                sample("<rect class=\"brokenrow\" x=\"1\" y=\"1\" width=\"62\" height=\"16\"/>"),
                "the step that broke an invariant"
            ),
        ]
        var html = "<ul class=\"legend\">"
        for (picture, words) in entries { html += "<li>\(picture) \(escape(words))</li>" }
        return html + "</ul>\n"
    }

    private func svg(_ window: Range<Int>) -> String {
        let lanes = max(lifelines.count, 1)
        let lanesRight = Layout.gutter + lanes * Layout.laneWidth
        let width = lanesRight + Layout.effectsWidth
        // Row backgrounds go under the lifelines, everything else over them.
        var back = "", body = "", y = Layout.header, settling = false
        for (offset, index) in window.enumerated() {
            let row = rows[index]
            if row.settling, !settling {
                settling = true
                body += "<line class=\"separator\" x1=\"0\" y1=\"\(y + 22)\" x2=\"\(width)\" y2=\"\(y + 22)\"/>"
                body +=
                    "<text class=\"separator\" x=\"\(Layout.gutter)\" y=\"\(y + 17)\">faults stop; everything drains in a fixed order</text>"
                y += Layout.separator
            }
            if offset > 0, offset % Layout.namesEvery == 0 {
                body += names(at: y + 4, faint: true)
                y += 16
            }
            back += background(row, top: y, stripe: offset % 2 == 1, width: width)
            body += draw(row, top: y, width: width, lanesRight: lanesRight)
            y += Layout.rowHeight + (row.broken == nil ? 0 : Layout.brokenExtra)
        }
        let height = y + Layout.header
        var svg = "<svg width=\"\(width)\" height=\"\(height)\" role=\"img\">"
        svg += Self.defs + back
        for lane in lifelines.indices {
            let x = center(lane)
            svg += "<line class=\"lifeline\" x1=\"\(x)\" y1=\"\(Layout.header - 6)\" x2=\"\(x)\" y2=\"\(y)\"/>"
        }
        svg += body + names(at: 8, faint: false) + names(at: y + 6, faint: false)
        return svg + "</svg>\n"
    }

    private func names(at top: Int, faint: Bool) -> String {
        var svg = ""
        for (lane, name) in lifelines.enumerated() {
            let x = center(lane)
            if faint {
                svg += "<text class=\"name faint\" x=\"\(x)\" y=\"\(top + 8)\">\(escape(cut(name, 22)))</text>"
            } else {
                let w = Layout.laneWidth - 14
                svg +=
                    "<g class=\"lifeline-name\"><rect x=\"\(x - w / 2)\" y=\"\(top)\" width=\"\(w)\" height=\"26\" rx=\"4\"/>"
                svg +=
                    "<text class=\"name\" x=\"\(x)\" y=\"\(top + 17)\">\(escape(cut(name, 21)))<title>\(escape(name))</title></text></g>"
            }
        }
        return svg
    }

    private func background(_ row: Row, top: Int, stripe: Bool, width: Int) -> String {
        if row.broken != nil {
            let height = Layout.rowHeight + Layout.brokenExtra
            return
                "<rect id=\"broken\" class=\"brokenrow\" x=\"0\" y=\"\(top)\" width=\"\(width)\" height=\"\(height)\"/>"
        }
        return stripe
            ? "<rect class=\"stripe\" x=\"0\" y=\"\(top)\" width=\"\(width)\" height=\"\(Layout.rowHeight)\"/>" : ""
    }

    private func draw(_ row: Row, top: Int, width: Int, lanesRight: Int) -> String {
        var svg = ""
        let line = top + 19
        svg += "<text class=\"step\" x=\"8\" y=\"\(line + 4)\">\(row.number)</text>"
        svg += "<text class=\"time\" x=\"44\" y=\"\(line + 4)\">\(escape(row.time))</text>"
        switch row.shape {
        case .arrow(let from, let to, let label, let lost, let fault) where from != to:
            svg += arrow(from: center(from), to: center(to), y: line, label: label, lost: lost, fault: fault)
        case .arrow(let lane, _, let label, _, let fault), .mark(let lane, let label, let fault):
            svg += mark(at: center(lane), y: line, label: label, fault: fault)
        case .band(let label, _):
            svg += "<line class=\"band\" x1=\"\(Layout.gutter)\" y1=\"\(line)\" x2=\"\(lanesRight)\" y2=\"\(line)\"/>"
            svg +=
                "<text class=\"label fault clock\" x=\"\(Layout.gutter + 6)\" y=\"\(line - 5)\">\(escape(label))</text>"
        }
        if !row.effects.isEmpty {
            let all = row.effects.joined(separator: " · ")
            let room = Int(Double(Layout.effectsWidth - 16) / Layout.charWidth)
            svg +=
                "<text class=\"effects\" x=\"\(lanesRight + 12)\" y=\"\(line + 4)\">\(escape(cut(all, room)))<title>\(escape(all))</title></text>"
        }
        if let broken = row.broken {
            svg +=
                "<text class=\"brokentext\" x=\"\(Layout.gutter)\" y=\"\(top + Layout.rowHeight + 16)\">✗ broke \(escape(broken))</text>"
        }
        return svg
    }

    private func arrow(from x1: Int, to x2: Int, y: Int, label: String, lost: Bool, fault: Fault?) -> String {
        let ahead = x2 > x1 ? -3 : 3
        let style = fault != nil ? "fault disconnect" : lost ? "lost" : "mail"
        var svg = "<line class=\"\(style)\" x1=\"\(x1)\" y1=\"\(y)\" x2=\"\(x2 + ahead)\" y2=\"\(y)\""
        svg += lost ? "/>" : " marker-end=\"url(#\(fault != nil ? "faulthead" : "head"))\"/>"
        if lost { svg += "<text class=\"x\" x=\"\(x2 - 5)\" y=\"\(y + 5)\">✗</text>" }
        // One arrow a row: a label may run past a short arrow without meeting another.
        let room = max(44, Int(Double(abs(x2 - x1) - 8) / Layout.charWidth))
        let words = (fault != nil ? "⚡ " : "") + (lost ? "lost: " : "") + label
        let labelClass = fault != nil ? "label fault disconnect" : "label"
        svg += "<text class=\"\(labelClass)\" x=\"\((x1 + x2) / 2)\" y=\"\(y - 5)\" text-anchor=\"middle\">"
        return svg + "\(escape(cut(words, room)))<title>\(escape(words))</title></text>"
    }

    private func mark(at x: Int, y: Int, label: String, fault: Fault?) -> String {
        var svg: String
        let words: String
        switch fault {
        case .disconnect?:
            svg =
                "<path class=\"fault disconnect\" d=\"M\(x - 5) \(y - 5) L\(x + 5) \(y + 5) M\(x + 5) \(y - 5) L\(x - 5) \(y + 5)\"/>"
            words = "⚡ " + label
        case .storeFailure?:
            svg = "<rect class=\"fault store\" x=\"\(x - 5)\" y=\"\(y - 5)\" width=\"10\" height=\"10\"/>"
            words = "⚠ " + label
        case .clockJump?:
            svg = "<circle class=\"fault clock\" cx=\"\(x)\" cy=\"\(y)\" r=\"5\"/>"
            words = label
        case nil:
            svg = "<circle class=\"own\" cx=\"\(x)\" cy=\"\(y)\" r=\"4\"/>"
            words = label
        }
        let room = Int(Double(Layout.laneWidth * 2 - 20) / Layout.charWidth)
        let labelClass =
            fault.map { "label fault \($0 == .disconnect ? "disconnect" : $0 == .storeFailure ? "store" : "clock")" }
            ?? "label"
        svg +=
            "<text class=\"\(labelClass)\" x=\"\(x + 9)\" y=\"\(y + 4)\">\(escape(cut(words, room)))<title>\(escape(words))</title></text>"
        return svg
    }

    private func center(_ lane: Int) -> Int { Layout.gutter + lane * Layout.laneWidth + Layout.laneWidth / 2 }

    private func cut(_ text: String, _ room: Int) -> String {
        text.count <= room ? text : String(text.prefix(max(1, room - 1))) + "…"
    }

    private func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(character)
            }
        }
        return out
    }

    private static let defs = """
        <defs><marker id="head" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0 0 L10 5 L0 10 z" fill="#1f4e8c"/></marker><marker id="faulthead" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0 0 L10 5 L0 10 z" fill="#c0392b"/></marker></defs>
        """

    private static let css = """
        body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; margin: 16px; color: #222; }
        h1 { font-size: 18px; margin: 0 0 6px; }
        p { margin: 2px 0; font-size: 13px; }
        p.verdict { font-weight: bold; margin-top: 6px; }
        p.fail, p.broken, p.broken a { color: #b00020; }
        p.pass { color: #1b6e20; }
        p.window { color: #555; }
        ul.legend { list-style: none; padding: 0; margin: 8px 0; display: flex; flex-wrap: wrap; gap: 4px 18px; font-size: 12px; }
        ul.legend li { display: flex; align-items: center; gap: 4px; }
        div.diagram { overflow-x: auto; border-top: 1px solid #ccc; margin-top: 6px; }
        svg text { font-size: 11px; }
        .lifeline { stroke: #9aa5b1; stroke-width: 1; stroke-dasharray: 4 3; }
        .lifeline-name rect { fill: #e8eef6; stroke: #1f4e8c; }
        text.name { text-anchor: middle; font-weight: bold; font-size: 12px; fill: #1f4e8c; }
        text.name.faint { font-weight: normal; font-size: 10px; fill: #8a97a6; }
        .stripe { fill: #f5f7fa; }
        .brokenrow { fill: #fde2e4; stroke: #b00020; stroke-width: 1.5; }
        text.brokentext { fill: #b00020; font-weight: bold; font-size: 12px; }
        text.step { font-weight: bold; fill: #333; }
        text.time { fill: #777; font-size: 10px; }
        line.mail { stroke: #1f4e8c; stroke-width: 1.4; }
        line.lost { stroke: #888; stroke-width: 1.4; stroke-dasharray: 5 3; }
        text.x { fill: #b00020; font-weight: bold; font-size: 13px; }
        circle.own { fill: #fff; stroke: #333; stroke-width: 1.4; }
        text.label { fill: #222; paint-order: stroke; stroke: #fff; stroke-width: 3px; stroke-linejoin: round; }
        .fault.disconnect { stroke: #c0392b; stroke-width: 1.8; fill: none; }
        line.fault.disconnect { stroke-dasharray: 6 3; }
        text.fault.disconnect { fill: #c0392b; stroke: #fff; stroke-width: 3px; font-weight: bold; }
        .fault.store { fill: #e67e22; stroke: #a04000; }
        text.fault.store { fill: #a04000; stroke: #fff; stroke-width: 3px; font-weight: bold; }
        .band { stroke: #2471a3; stroke-width: 2; stroke-dasharray: 8 4; }
        .fault.clock { fill: #d6eaf8; stroke: #2471a3; }
        text.fault.clock { fill: #2471a3; stroke: #fff; stroke-width: 3px; font-weight: bold; }
        text.effects { fill: #555; font-size: 10.5px; }
        line.separator { stroke: #555; stroke-width: 1; }
        text.separator { fill: #555; font-style: italic; }
        """
}
