-- Drives Neovim's built-in LSP client (0.7) against the Steady server: open files, wait for pushed diagnostics,
-- request code actions, apply a fix and wait for its diagnostic to clear. Results go to $STEADY_RESULT as JSON.
-- Cases come from $STEADY_CASES: "path|CODE|fix title pattern;..." (a Lua pattern matched against action titles).
local result = { cases = {} }

local function write_result()
  local f = io.open(os.getenv('STEADY_RESULT'), 'w')
  f:write(vim.fn.json_encode(result))
  f:close()
end

local function has_code(diags, code)
  for _, d in ipairs(diags or {}) do
    if d.code == code then return d end
  end
  return nil
end

local ok, err = pcall(function()
  vim.lsp.set_log_level('ERROR')
  vim.o.hidden = true
  local raw = {}
  local client_id = vim.lsp.start_client({
    name = 'steady',
    cmd = { 'node', os.getenv('STEADY_SERVER'), '--stdio' },
    root_dir = os.getenv('STEADY_ROOT'),
    handlers = {
      ['textDocument/publishDiagnostics'] = function(e, res, ctx, config)
        raw[res.uri] = res.diagnostics
        return vim.lsp.diagnostic.on_publish_diagnostics(e, res, ctx, config)
      end,
    },
  })
  assert(client_id, 'the server did not start')

  for spec in string.gmatch(os.getenv('STEADY_CASES'), '[^;]+') do
    local path, code, pattern = string.match(spec, '^([^|]+)|([^|]+)|(.+)$')
    local case = { path = path, code = code }
    table.insert(result.cases, case)
    local existing = vim.fn.bufnr(path)
    if existing > 0 then
      vim.cmd('buffer ' .. existing)
    else
      vim.cmd('edit ' .. vim.fn.fnameescape(path))
    end
    local bufnr = vim.api.nvim_get_current_buf()
    vim.bo[bufnr].filetype = path:match('%.go$') and 'go' or 'python'
    vim.lsp.buf_attach_client(bufnr, client_id)
    local uri = vim.uri_from_bufnr(bufnr)

    vim.wait(15000, function() return has_code(raw[uri], code) ~= nil end, 20)
    local d = has_code(raw[uri], code)
    case.reported = d ~= nil
    case.codes = {}
    for _, x in ipairs(raw[uri] or {}) do table.insert(case.codes, x.code) end
    if d then
      local params = { textDocument = { uri = uri }, range = d.range, context = { diagnostics = { d } } }
      local responses = vim.lsp.buf_request_sync(bufnr, 'textDocument/codeAction', params, 10000) or {}
      case.titles = {}
      local chosen
      for _, resp in pairs(responses) do
        for _, action in ipairs(resp.result or {}) do
          table.insert(case.titles, action.title)
          if not chosen and string.find(action.title, pattern) then chosen = action end
        end
      end
      if chosen then
        vim.lsp.util.apply_workspace_edit(chosen.edit, 'utf-16')
        case.applied = chosen.title
        vim.wait(15000, function()
          return raw[uri] ~= nil and has_code(raw[uri], code) == nil
        end, 20)
        case.cleared = has_code(raw[uri], code) == nil
        case.text = table.concat(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false), '\n')
      end
    end
  end
  vim.lsp.stop_client(client_id)
end)

if not ok then result.error = tostring(err) end
write_result()
vim.cmd(ok and 'qall!' or 'cquit 1')
